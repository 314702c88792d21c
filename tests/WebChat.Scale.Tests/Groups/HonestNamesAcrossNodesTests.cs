using Microsoft.AspNetCore.SignalR;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Groups;

/// <summary>Names are unique in a group by their folding key on Redis too, also when two nodes race to add them.</summary>
public class HonestNamesAcrossNodesTests
{
    [Fact]
    public async Task ANameInAnotherCaseWidthOrCompositionIsTakenOnEveryNodeEvenInARace()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, new Dictionary<string, string?>
        {
            ["Chat:Limits:JoinsPerMinute"] = "100000",
        });
        await using var owner = await ChatClient.ConnectAsync(cluster[0]);
        var g = (await owner.CreateGroup("Alice", "pw")).GroupId;

        await using var elsewhere = await ChatClient.ConnectAsync(cluster[1]);
        foreach (var name in new[] { "ALICE", "\uFF21lice", "\uFF41LICE" })
            Assert.Contains("already taken", (await Assert.ThrowsAsync<HubException>(() => elsewhere.JoinGroup(g, name, "pw"))).Message);
        Assert.Contains("Latin letters with Cyrillic", (await Assert.ThrowsAsync<HubException>(() => elsewhere.JoinGroup(g, "\u0410lice", "pw"))).Message);

        // Two nodes add the same name in two spellings at once: the check before the password can pass on both,
        // the store's own key check must let exactly one in.
        for (var round = 0; round < 10; round++)
        {
            await using var a = await ChatClient.ConnectAsync(cluster[0]);
            await using var b = await ChatClient.ConnectAsync(cluster[1]);
            var (first, second) = ($"Straße{round}", $"STRASSE{round}"); // one key now; two under plain upper-casing
            var results = await Task.WhenAll(Attempt(a.JoinGroup(g, first, "pw")), Attempt(b.JoinGroup(g, second, "pw")));
            Assert.Single(results, joined => joined);
            Assert.Equal([new WebChat.Groups.GroupSummary(g, 2)], await owner.ListGroups());
            await (results[0] ? a : b).LeaveGroup(g);
        }
    }

    private static async Task<bool> Attempt(Task<WebChat.Groups.JoinedGroup> join)
    {
        try { await join; return true; }
        catch (HubException e) when (e.Message.Contains("already taken")) { return false; }
    }
}
