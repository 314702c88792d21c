using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// The app on a real Kestrel port (and, when enabled, its TCP gateway on a free port), with
/// test settings layered over appsettings.json. Each test builds its own with <c>await using</c>.
/// </summary>
public sealed class WebChatApplication : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Chat:Gateway:Port"] = "0",
        ["Chat:PasswordHashIterations"] = "1000",
        // Tests create many groups and connections from 127.0.0.1; a test about a limit sets it back.
        ["Chat:Limits:JoinsPerMinute"] = "100000",
        ["Chat:Limits:GroupsPerAddress"] = "100000",
        ["Chat:Limits:HubConnectionsPerAddress"] = "100000",
        // Memory only: each test starts with no groups; a test about restarts names its own data folder.
        ["Chat:DataPath"] = "",
    };

    private readonly Action<IServiceCollection>? _services;

    public WebChatApplication(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        if (settings is not null)
            foreach (var (k, v) in settings) _settings[k] = v;
        // Kestrel on a free loopback port, chosen through the "urls" setting: UseKestrel(0) races with the
        // app's own start and can throw "Addresses cannot be modified after the server has started"
        // (an ASP.NET Core bug, still there in 10.0.15).
        UseKestrel();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        if (_services is not null) builder.ConfigureServices(_services);
    }

    /// <summary>Starts the server (once) and returns its base address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return new Uri(addresses.First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
        }
    }

    /// <summary>
    /// A started SignalR client on WebSockets, like the browser's; <paramref name="via"/> reaches the hub through another
    /// address (a proxy in front of the app), from the loopback address <paramref name="from"/> (any of 127.0.0.0/8).
    /// </summary>
    public async Task<HubConnection> ConnectAsync(Action<IHubConnectionBuilder>? configure = null, Uri? via = null, string? from = null)
    {
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(via ?? BaseAddress, "/hubs/chat"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                if (from is not null) o.WebSocketFactory = (context, ct) => WebSocketFromAsync(context.Uri, System.Net.IPAddress.Parse(from), ct);
            });
        configure?.Invoke(builder);
        var connection = builder.Build();
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return connection;
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    private static async ValueTask<System.Net.WebSockets.WebSocket> WebSocketFromAsync(Uri uri, System.Net.IPAddress from, CancellationToken ct)
    {
        var handler = new System.Net.Http.SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(from.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
                socket.Bind(new System.Net.IPEndPoint(from, 0));
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        var webSocket = new System.Net.WebSockets.ClientWebSocket();
        await webSocket.ConnectAsync(uri, new System.Net.Http.HttpMessageInvoker(handler), ct);
        return webSocket;
    }
}
