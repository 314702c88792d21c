using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http.Connections.Client;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Network;

/// <summary>
/// Behind a reverse proxy the client is the one the proxy names (PROXY header on the gateway, X-Forwarded-For on
/// HTTP), but only when the proxy is a known one: every per-address rule counts the real client.
/// </summary>
public class ProxyTests
{
    private const string Throttled = "Too many wrong passwords";

    private static WebChatApplication App(string knownProxies, bool proxyProtocol, Action<IServiceCollection>? services = null) => new(new Dictionary<string, string?>
    {
        ["Chat:Security:KnownProxies"] = knownProxies,
        ["Chat:Gateway:ProxyProtocol"] = proxyProtocol ? "true" : "false",
    }, services);

    [Fact]
    public async Task BehindHaproxyWrongPasswordsOnTheGatewayThrottleOnlyTheClientThatSentThem()
    {
        await using var app = App("127.0.0.1", proxyProtocol: true);
        await using var haproxy = await HaProxy.StartAsync(TcpChatClient.PortOf(app), app.BaseAddress.Port);

        await using var owner = await TcpChatClient.ConnectToMenuAsync(haproxy.TcpPort, from: "127.0.0.4");
        var id = await owner.CreateGroupAsync("Owner", "secret");

        await using var mallory = await TcpChatClient.ConnectToMenuAsync(haproxy.TcpPort, from: "127.0.0.2");
        await mallory.StartJoinAsync(id, "Mallory");
        for (var i = 0; i < 5; i++)
        {
            await mallory.SendAsync($"guess {i}");
            await mallory.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
        }
        await mallory.SendAsync("secret");
        Assert.StartsWith(Throttled, await mallory.ReadLineAsync());

        // Another client behind the same proxy is not throttled.
        await using var friend = await TcpChatClient.ConnectToMenuAsync(haproxy.TcpPort, from: "127.0.0.3");
        await friend.JoinGroupAsync(id, "Friend", "secret");
        await owner.ExpectAsync("Friend has joined the group \n");
    }

    [Fact]
    public async Task BehindHaproxyWrongPasswordsOnTheHubThrottleOnlyTheClientThatSentThem()
    {
        await using var app = App("127.0.0.1", proxyProtocol: false);
        await using var haproxy = await HaProxy.StartAsync(TcpChatClient.PortOf(app), app.BaseAddress.Port);

        await using var owner = await ChatClient.ConnectAsync(app, via: haproxy.BaseAddress, from: "127.0.0.4");
        var id = (await owner.CreateGroup("Owner", "secret")).GroupId;

        await using var mallory = await ChatClient.ConnectAsync(app, via: haproxy.BaseAddress, from: "127.0.0.2");
        for (var i = 0; i < 5; i++)
        {
            var wrong = await Assert.ThrowsAsync<HubException>(() => mallory.JoinGroup(id, "Mallory", $"guess {i}"));
            Assert.Contains("Wrong password", wrong.Message);
        }
        var throttled = await Assert.ThrowsAsync<HubException>(() => mallory.JoinGroup(id, "Mallory", "secret"));
        Assert.Contains(Throttled, throttled.Message);

        await using var friend = await ChatClient.ConnectAsync(app, via: haproxy.BaseAddress, from: "127.0.0.3");
        await friend.JoinGroup(id, "Friend", "secret");
    }

    [Fact]
    public async Task XForwardedForFromAnAddressThatIsNotAKnownProxyIsIgnored()
    {
        await using var app = App("127.0.0.2", proxyProtocol: false);
        await using var owner = await ChatClient.ConnectAsync(app, from: "127.0.0.4");
        var id = (await owner.CreateGroup("Owner", "secret")).GroupId;

        // Each attempt claims another client address; none counts, since 127.0.0.1 is no known proxy.
        for (var i = 0; i <= 5; i++)
        {
            await using var liar = await ChatClient.ConnectAsync(app, b => b.Services.Configure<HttpConnectionOptions>(o =>
            {
                o.Headers["X-Forwarded-For"] = $"198.51.100.{i}";
                o.Headers["X-Forwarded-Proto"] = "https";
            }));
            var refused = await Assert.ThrowsAsync<HubException>(() => liar.JoinGroup(id, "Liar", $"guess {i}"));
            Assert.Contains(i < 5 ? "Wrong password" : Throttled, refused.Message);
        }
        // The throttle is on the real address alone.
        await using var other = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        await other.JoinGroup(id, "Other", "secret");
    }

    [Fact]
    public async Task ThePROXYHeadersAddressCountsForTheConnectionLimit()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Security:KnownProxies"] = "127.0.0.0/30",
            ["Chat:Gateway:ProxyProtocol"] = "true",
            ["Chat:Gateway:MaxConnectionsPerAddress"] = "2",
        });
        var port = TcpChatClient.PortOf(app);
        var clients = new List<TcpChatClient>();
        try
        {
            for (var i = 0; i < 2; i++) clients.Add(await ConnectWithHeaderAsync(port, "PROXY TCP4 203.0.113.9 192.0.2.1 4000 5555\r\n"));
            foreach (var client in clients) await client.ExpectAsync(TcpChatClient.Menu);

            await using var third = await ConnectWithHeaderAsync(port, "PROXY TCP4 203.0.113.9 192.0.2.1 4001 5555\r\n");
            var refusal = await third.ReadUntilClosedAsync();
            Assert.Contains("2", Assert.Single(refusal));

            await using var elsewhere = await ConnectWithHeaderAsync(port, "PROXY TCP6 2001:db8::9 2001:db8::1 4002 5555\r\n", from: "127.0.0.2");
            await elsewhere.ExpectAsync(TcpChatClient.Menu);
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "a valid header from an address that is not a known proxy", "127.0.0.2", "PROXY TCP4 203.0.113.9 192.0.2.1 4000 5555\r\n2\n" },
        { "no header", "127.0.0.1", "2\n" },
        { "a malformed header", "127.0.0.1", "PROXY TCP4 203.0.113.9 192.0.2.1 4000\r\n2\n" },
        { "an oversized header", "127.0.0.1", "PROXY UNKNOWN " + new string('x', 300) + "\r\n2\n" },
        { "a v2 header longer than the limit", "127.0.0.1", Encoding.Latin1.GetString([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x10, 0x00]) },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task WithProxyProtocolOnAConnectionIsClosedWithoutAWordFor(string kind, string from, string sent)
    {
        await using var app = App("127.0.0.1", proxyProtocol: true);
        var port = TcpChatClient.PortOf(app);
        await using var client = await TcpChatClient.ConnectAsync(port, from: from);
        await client.SendBytesAsync(Encoding.Latin1.GetBytes(sent));
        Assert.True((await client.ReadUntilClosedAsync()).Count == 0, kind);

        // The gateway goes on for a proxy that sends its header.
        await using var good = await ConnectWithHeaderAsync(port, "PROXY TCP4 203.0.113.9 192.0.2.1 4000 5555\r\n");
        await good.ExpectAsync(TcpChatClient.Menu);
    }

    [Fact]
    public async Task AProxyThatSendsNoHeaderIsClosedOnceTheHeaderTimeHasPassed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = App("127.0.0.1", proxyProtocol: true, s => s.AddSingleton<TimeProvider>(time));
        await using var silent = await TcpChatClient.ConnectAsync(TcpChatClient.PortOf(app));
        var closed = silent.ReadUntilClosedAsync(TimeSpan.FromSeconds(20));
        // The server may start waiting a moment after the connect: move time on until it gives up.
        while (!closed.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(closed, Task.Delay(20));
        }
        Assert.Empty(await closed);
    }

    private static async Task<TcpChatClient> ConnectWithHeaderAsync(int port, string header, string from = "127.0.0.1")
    {
        var client = await TcpChatClient.ConnectAsync(port, from: from);
        await client.SendBytesAsync(Encoding.ASCII.GetBytes(header));
        return client;
    }
}
