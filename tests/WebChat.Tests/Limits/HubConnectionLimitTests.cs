using System.Net;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>Concurrent hub connections per client address: one over the limit gets HTTP 429 in plain words.</summary>
public class HubConnectionLimitTests
{
    [Fact]
    public async Task OneConnectionOverTheLimitFromOneAddressGets429WhileAnotherAddressAndTheOpenConnectionsAreFine()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Limits:HubConnectionsPerAddress"] = "3" });
        var hub = new Uri(app.BaseAddress, "/hubs/chat");
        var open = new List<ChatClient>();
        try
        {
            for (var i = 0; i < 3; i++) open.Add(await ChatClient.ConnectAsync(app, from: "127.0.0.4"));

            var (status, socket, body) = await FromAddress.TryHubWebSocketAsync(hub, "127.0.0.4");
            socket?.Dispose();
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Equal("Too many connections from your address (at most 3 at once); close one and try again.", body);

            // Another address is fine, and the three open connections keep working.
            await using var neighbour = await ChatClient.ConnectAsync(app, from: "127.0.0.5");
            var g = (await neighbour.CreateGroup("Neighbour", "pw")).GroupId;
            for (var i = 0; i < 3; i++) await open[i].JoinGroup(g, $"Open{i}", "pw");
            await neighbour.Send(g, "hello");
            foreach (var c in open) Assert.Equal("hello", (await c.NextMessageAsync()).Text);

            // Once one closes, its slot is free again (the server sees the close a moment later).
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                var (again, next, _) = await FromAddress.TryHubWebSocketAsync(hub, "127.0.0.4");
                next?.Dispose();
                if (again == HttpStatusCode.SwitchingProtocols) break;
                Assert.Equal(HttpStatusCode.TooManyRequests, again);
                Assert.True(DateTime.UtcNow < deadline, "The closed connection's slot was not freed within 10 s");
                await Task.Delay(50);
            }
        }
        finally
        {
            foreach (var c in open) await c.DisposeAsync();
        }
    }
}
