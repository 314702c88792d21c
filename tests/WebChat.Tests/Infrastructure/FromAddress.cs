using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// HTTP requests and bare WebSocket handshakes from a chosen local address (any of 127.0.0.0/8, or an IPv6 one),
/// so that a test sees what the server answers one client among several on one machine (a hub client from an
/// address is <see cref="WebChatApplication.ConnectAsync"/>'s <c>from</c>).
/// </summary>
public static class FromAddress
{
    /// <summary>An HTTP handler whose connections leave from <paramref name="from"/> (and go to <paramref name="to"/> when given).</summary>
    public static SocketsHttpHandler Handler(string from, IPAddress? to = null) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var local = IPAddress.Parse(from);
            var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                var target = to ?? (await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, local.AddressFamily, ct))[0];
                await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>
    /// Tries a WebSocket handshake to the hub from <paramref name="from"/>: the HTTP status of a refusal, or
    /// 101 and the open socket.
    /// </summary>
    public static async Task<(HttpStatusCode Status, ClientWebSocket? Socket, string Body)> TryHubWebSocketAsync(Uri hub, string from)
    {
        var ws = hub.Scheme == "http" ? new UriBuilder(hub) { Scheme = "ws" }.Uri : hub;
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(ws, new HttpMessageInvoker(Handler(from)), cts.Token);
            return (socket.HttpStatusCode, socket, "");
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            // The handshake's refusal body is not kept by ClientWebSocket; ask the same URL over plain HTTP for it.
            using var http = new HttpClient(Handler(from));
            using var response = await http.GetAsync(hub);
            return (status, null, await response.Content.ReadAsStringAsync());
        }
    }
}
