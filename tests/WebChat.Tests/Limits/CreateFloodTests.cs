using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>
/// One address floods the hub with creates while two members elsewhere chat: the flooder is refused in plain
/// words, the members lose nothing.
/// </summary>
public class CreateFloodTests
{
    [Fact]
    public async Task TwoHundredCreatesFromOneAddressAreRefusedWhileTwoMembersElsewhereGetEveryMessageInOrder()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            // The address limits at their defaults; the members' own message rate raised so only the flood is limited.
            ["Chat:Limits:JoinsPerMinute"] = "60",
            ["Chat:Limits:GroupsPerAddress"] = "20",
            ["Chat:Limits:MessagesPerSecond"] = "10000",
            ["Chat:Limits:MessageBurst"] = "10000",
            ["Chat:PasswordHashIterations"] = "20000",
        });
        await using var alice = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        await using var bob = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        var g = (await alice.CreateGroup("Alice", "pw")).GroupId;
        await bob.JoinGroup(g, "Bob", "pw");
        await alice.Heard.WaitForAsync(h => h is HeardJoined);

        var flooders = new List<ChatClient>();
        for (var i = 0; i < 8; i++) flooders.Add(await ChatClient.ConnectAsync(app, from: "127.0.0.2"));
        try
        {
            const int each = 100;
            var flood = flooders.Select(f => Task.Run(async () =>
            {
                var results = new List<ChatError?>();
                for (var n = 0; n < 25; n++)
                {
                    try { await f.CreateGroup("Flooder", "pw"); results.Add(null); }
                    catch (HubException e) { results.Add(Refusal.KindOf(e) ?? ChatError.Unavailable); }
                }
                return results;
            })).ToList();
            var chat = Task.WhenAll(Talk(alice, "a"), Talk(bob, "b"));
            async Task Talk(ChatClient who, string tag)
            {
                for (var n = 0; n < each; n++) await who.Send(g, $"{tag}{n}");
            }

            var outcomes = (await Task.WhenAll(flood)).SelectMany(r => r).ToList();
            await chat;

            // Every message of each member reached the other, once and in order.
            var toBob = (await bob.Heard.TakeAsync(each, TimeSpan.FromSeconds(30))).Cast<HeardMessage>().Select(h => h.Message.Text);
            var toAlice = (await alice.Heard.TakeAsync(each, TimeSpan.FromSeconds(30))).Cast<HeardMessage>().Select(h => h.Message.Text);
            Assert.Equal(Enumerable.Range(0, each).Select(n => $"a{n}"), toBob);
            Assert.Equal(Enumerable.Range(0, each).Select(n => $"b{n}"), toAlice);

            // The flooder got at most its address's 20 groups; everything else was refused as too many groups,
            // too many attempts or busy, and never as anything else.
            Assert.Equal(200, outcomes.Count);
            var created = outcomes.Count(o => o is null);
            Assert.InRange(created, 1, 20);
            var kinds = outcomes.Where(o => o is not null).GroupBy(o => o!.Value).ToDictionary(k => k.Key, k => k.Count());
            Assert.All(kinds.Keys, k => Assert.Contains(k, new[] { ChatError.TooManyGroups, ChatError.TooManyAttempts, ChatError.Busy }));
            // At least 170 creates were counted (a connection already in 10 groups is refused before counting), 60 let through.
            Assert.True(kinds.GetValueOrDefault(ChatError.TooManyAttempts) >= 110,
                $"Refusals: {string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}"))}");
            Assert.True(kinds.GetValueOrDefault(ChatError.TooManyGroups) > 0);
            Assert.Equal(created, (await alice.ListGroups()).Count(s => s.GroupId != g));
        }
        finally
        {
            foreach (var f in flooders) await f.DisposeAsync();
        }
    }
}
