using Microsoft.AspNetCore.SignalR;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Hubs;

public class LimitsTests
{
    [Fact]
    public async Task FiveWrongPasswordsThrottleTheAddressWithAClearMessage()
    {
        await using var app = new WebChatApplication();
        await using var owner = await ChatClient.ConnectAsync(app);
        await using var guesser = await ChatClient.ConnectAsync(app);
        var g = (await owner.CreateGroup("Owner", "secret")).GroupId;
        for (var i = 0; i < 5; i++)
            Assert.Contains("Wrong password", (await Assert.ThrowsAsync<HubException>(() => guesser.JoinGroup(g, "G", $"guess{i}"))).Message);
        var e = await Assert.ThrowsAsync<HubException>(() => guesser.JoinGroup(g, "G", "secret"));
        Assert.Contains("Too many wrong passwords", e.Message);
    }

    [Fact]
    public async Task AFloodIsRefusedWithANoticeAndTheConnectionStays()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "2",
            ["Chat:Limits:MessageBurst"] = "3",
        });
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("A", "pw")).GroupId;
        await b.JoinGroup(g, "B", "pw");

        for (var i = 0; i < 3; i++) await a.Send(g, $"burst {i}");
        var e = await Assert.ThrowsAsync<HubException>(() => a.Send(g, "too many"));
        Assert.Contains("too fast", e.Message);

        // B got exactly the accepted ones; A is still connected and can send again once the bucket refills.
        var got = await b.Heard.TakeAsync(3);
        Assert.Equal(["burst 0", "burst 1", "burst 2"], got.Cast<HeardMessage>().Select(h => h.Message.Text));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            try { await a.Send(g, "later"); break; }
            catch (HubException) when (DateTime.UtcNow < deadline) { await Task.Delay(100); }
        }
        Assert.Equal("later", (await b.NextMessageAsync()).Text);
    }

    [Fact]
    public async Task ManyConcurrentSendersEveryMemberSeesEveryMessageOnceInTheGroupsOrder()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "1000",
            ["Chat:Limits:MessageBurst"] = "1000",
        });
        const int members = 6, each = 40;
        var clients = new List<ChatClient>();
        for (var i = 0; i < members; i++) clients.Add(await ChatClient.ConnectAsync(app));
        try
        {
            var g = (await clients[0].CreateGroup("m0", "pw")).GroupId;
            for (var i = 1; i < members; i++) await clients[i].JoinGroup(g, $"m{i}", "pw");
            for (var i = 0; i < members; i++) await clients[i].Heard.TakeAsync(members - 1 - i); // join notices

            var sent = await Task.WhenAll(clients.Select((c, i) => Task.Run(async () =>
            {
                var ids = new List<long>();
                for (var n = 0; n < each; n++) ids.Add((await c.Send(g, $"m{i}:{n}"))!.Id);
                return ids;
            })));

            var all = sent.SelectMany(x => x).Order().ToList();
            Assert.Equal(all.Count, all.Distinct().Count());
            for (var i = 0; i < members; i++)
            {
                var heard = (await clients[i].Heard.TakeAsync((members - 1) * each, TimeSpan.FromSeconds(20)))
                    .Cast<HeardMessage>().Select(h => h.Message.Id).ToList();
                var expected = all.Except(sent[i]).ToList();
                Assert.Equal(expected, heard); // every other member's message, once, in id order
            }
        }
        finally
        {
            foreach (var c in clients) await c.DisposeAsync();
        }
    }
}
