using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>Idle timeout, per-address limit, shutdown, and the gateway switched off.</summary>
public class GatewayLifecycleTests
{
    [Fact]
    public async Task AConnectionIdleInTheMenuIsClosedAfterExactlyFiveMinutesButAChattingOneIsNot()
    {
        var clock = new FakeClock();
        var idleLimit = TimeSpan.FromMinutes(5); // the default
        await using var app = new WebChatApplication(services: clock.Install);
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");
        await b.JoinGroupAsync(g, "Shoham", "pw");
        await a.ExpectAsync("Shoham has joined the group \n");

        await using var idle = await TcpChatClient.ConnectToMenuAsync(app);
        await idle.SendAsync("1");
        await idle.ExpectAsync("Enter your name: \n");
        await clock.WaitUntilArmedAsync(idleLimit);
        Assert.Equal(1, clock.ArmedFor(idleLimit)); // the chat members have no menu timer

        // A second short of the limit the connection is still served; its answer starts the five minutes again.
        clock.Advance(idleLimit - TimeSpan.FromSeconds(1));
        await idle.SendAsync("Idle");
        await idle.ExpectAsync("Enter group ID: \n");
        await clock.WaitUntilArmedAsync(idleLimit);
        clock.Advance(idleLimit - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, clock.ArmedFor(TimeSpan.FromMilliseconds(1)));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var closed = await idle.ReadUntilClosedAsync();
        Assert.Equal(["You were idle in the menu for 300 seconds; closing the connection"], closed);

        // Both chat members have been quiet for over ten minutes and are still in.
        await b.SendAsync("still here");
        await a.ExpectAsync("Shoham: still here\n");
    }

    [Fact]
    public async Task ConnectionsOverThePerAddressLimitAreToldAndClosed()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Gateway:MaxConnectionsPerAddress"] = "2" });
        await using var first = await TcpChatClient.ConnectToMenuAsync(app);
        await using var second = await TcpChatClient.ConnectToMenuAsync(app);
        await using var third = await TcpChatClient.ConnectAsync(app);
        Assert.Equal(["Too many connections from your address (at most 2 at once); this one is closed"], await third.ReadUntilClosedAsync());

        await first.SendAsync("3");
        await first.ExpectAsync("Exit the chat \n");
        Assert.Empty(await first.ReadUntilClosedAsync());

        // The server freed the slot before it closed the first connection.
        await using var fourth = await TcpChatClient.ConnectToMenuAsync(app);
    }

    [Fact]
    public async Task OnShutdownConnectedUsersAreToldAndDisconnected()
    {
        var app = new WebChatApplication();
        await using var inMenu = await TcpChatClient.ConnectToMenuAsync(app);
        await using var inGroup = await TcpChatClient.ConnectToMenuAsync(app);
        await inGroup.CreateGroupAsync("Hadas", "pw");

        await app.DisposeAsync();

        Assert.Equal(["Server is shutting down"], await inMenu.ReadUntilClosedAsync());
        Assert.Equal(["Server is shutting down"], await inGroup.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task TheGatewayCanBeSwitchedOff()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Gateway:Enabled"] = "false" });
        Assert.Equal(0, TcpChatClient.PortOf(app));
        await using var hub = await ChatClient.ConnectAsync(app);
        Assert.Equal(1, (await hub.CreateGroup("Hadas", "pw")).GroupId);
    }

    [Fact]
    public async Task AFailedAcceptIsRetriedAndTheGatewayGoesOn()
    {
        var failing = new FailingAccepts(failures: 3);
        await using var app = new WebChatApplication(services: s => s.AddKeyedSingleton<IConnectionListenerFactory>("gateway", (sp, _) =>
            failing.Wrap(sp.GetServices<IConnectionListenerFactory>().OfType<SocketTransportFactory>().First())));
        await using var client = await TcpChatClient.ConnectToMenuAsync(app);
        Assert.Equal(0, failing.Left);
        Assert.False(app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    /// <summary>A transport whose listener fails its first accepts the way a socket out of file descriptors does.</summary>
    private sealed class FailingAccepts(int failures) : IConnectionListenerFactory
    {
        private IConnectionListenerFactory? _inner;
        private int _left = failures;

        public int Left => Math.Max(0, Volatile.Read(ref _left));

        public FailingAccepts Wrap(IConnectionListenerFactory inner)
        {
            _inner = inner;
            return this;
        }

        public async ValueTask<IConnectionListener> BindAsync(System.Net.EndPoint endpoint, CancellationToken cancellationToken = default) =>
            new Listener(await _inner!.BindAsync(endpoint, cancellationToken), this);

        private sealed class Listener(IConnectionListener inner, FailingAccepts owner) : IConnectionListener
        {
            public System.Net.EndPoint EndPoint => inner.EndPoint;

            public ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default) =>
                Interlocked.Decrement(ref owner._left) >= 0
                    ? throw new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TooManyOpenSockets)
                    : inner.AcceptAsync(cancellationToken);

            public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }
}
