using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Hubs;

public class SlowReceiverTests
{
    [Fact]
    public async Task AHubClientThatStopsReadingIsCutOffAndTheOthersMissNothing()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "100000",
            ["Chat:Limits:MessageBurst"] = "100000",
        }, clock.Install);
        await using var sender = await ChatClient.ConnectAsync(app);
        await using var reader = await ChatClient.ConnectAsync(app);
        var g = (await sender.CreateGroup("Sender", "pw")).GroupId;
        await reader.JoinGroup(g, "Reader", "pw");

        // A raw WebSocket client with a 4 KiB socket receive buffer that joins, then never reads again.
        using var stuck = await StuckClient.JoinAsync(app.BaseAddress, g, "Stuck", "pw");
        await sender.Heard.WaitForAsync(h => h is HeardJoined { UserName: "Stuck" });

        var text = new string('x', 1900);
        const int count = 3000; // ~6 MB of output for the stuck client: far past 1 MiB plus socket buffers
        // Sends go in windows of 100 (200 KB), each only after the healthy reader has taken the previous window:
        // the reader is never 1 MiB behind however busy the machine is, while the stuck one falls ever further.
        const int window = 100;
        for (var start = 0; start < count; start += window)
        {
            for (var i = start; i < start + window; i++)
                await sender.Connection.SendAsync("SendMessage", g, $"{i}:{text}");
            for (var i = start; i < start + window; i++)
                Assert.Equal($"{i}:{text}", (await reader.NextMessageAsync()).Text);
        }

        // The stuck member was disconnected: after its grace it leaves, which the others are told.
        var grace = TimeSpan.FromSeconds(30);
        await clock.WaitUntilArmedAsync(grace, timeout: TimeSpan.FromSeconds(20));
        clock.Advance(grace);
        var left = await sender.Heard.WaitForAsync(h => h is HeardLeft, TimeSpan.FromSeconds(20));
        Assert.Equal(new HeardLeft(g, "Stuck"), left);
    }

    /// <summary>Speaks just enough SignalR JSON protocol over a WebSocket on a socket with a tiny receive buffer.</summary>
    private sealed class StuckClient : IDisposable
    {
        private readonly Socket _socket;
        private readonly WebSocket _ws;

        private StuckClient(Socket socket, WebSocket ws) => (_socket, _ws) = (socket, ws);

        public static async Task<StuckClient> JoinAsync(Uri baseAddress, int groupId, string name, string password)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await socket.ConnectAsync(baseAddress.Host, baseAddress.Port);
            var stream = new NetworkStream(socket, ownsSocket: false);
            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            var request = $"GET /hubs/chat HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                          $"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            var header = new StringBuilder();
            var one = new byte[1];
            while (!header.ToString().EndsWith("\r\n\r\n"))
            {
                if (await stream.ReadAsync(one) == 0) throw new IOException("closed during upgrade");
                header.Append((char)one[0]);
            }
            Assert.StartsWith("HTTP/1.1 101", header.ToString());
            var ws = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false });
            await SendAsync(ws, "{\"protocol\":\"json\",\"version\":1}\u001e");
            await ReceiveAsync(ws); // handshake response
            await SendAsync(ws, $"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"JoinGroup\",\"arguments\":[{groupId},\"{name}\",\"{password}\"]}}\u001e");
            var reply = await ReceiveAsync(ws);
            Assert.Contains("\"type\":3", reply);
            Assert.DoesNotContain("error", reply);
            return new StuckClient(socket, ws);
        }

        private static Task SendAsync(WebSocket ws, string text) =>
            ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        private static async Task<string> ReceiveAsync(WebSocket ws)
        {
            var buffer = new byte[64 * 1024];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var result = await ws.ReceiveAsync(buffer, cts.Token);
            return Encoding.UTF8.GetString(buffer, 0, result.Count);
        }

        public void Dispose()
        {
            _ws.Abort();
            _socket.Dispose();
        }
    }
}
