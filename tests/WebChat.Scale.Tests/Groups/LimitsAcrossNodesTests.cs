using Microsoft.AspNetCore.SignalR;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Groups;

/// <summary>The limits that several nodes must agree on are counted in Redis: an address gets its allowance once, not once per node.</summary>
public class LimitsAcrossNodesTests
{
    [Fact]
    public async Task AnAddressHasItsLiveGroupsOnceAcrossNodesAndADeletedGroupFreesOne()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, new Dictionary<string, string?> { ["Chat:Limits:GroupsPerAddress"] = "2" });
        await using var a = await ChatClient.ConnectAsync(cluster[0]);
        await using var b = await ChatClient.ConnectAsync(cluster[1]);
        var first = await a.CreateGroup("Hadas", "pw");
        await b.CreateGroup("Shoham", "pw");

        var refused = await Assert.ThrowsAsync<HubException>(() => a.CreateGroup("Noa", "pw"));
        Assert.EndsWith("Your address already has 2 live groups; leave one before creating another [TooManyGroups]", refused.Message);
        refused = await Assert.ThrowsAsync<HubException>(() => b.CreateGroup("Noa", "pw"));
        Assert.Contains("[TooManyGroups]", refused.Message);

        await a.LeaveGroup(first.GroupId);     // its last member: the group is deleted and no longer counts
        Assert.Equal(first.GroupId, (await b.CreateGroup("Noa", "pw")).GroupId);
    }

    [Fact]
    public async Task AnAddressHasItsAttemptsAMinuteOnceAcrossNodes()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, new Dictionary<string, string?> { ["Chat:Limits:JoinsPerMinute"] = "4" });
        await using var a = await ChatClient.ConnectAsync(cluster[0]);
        await using var b = await ChatClient.ConnectAsync(cluster[1]);
        var g = (await a.CreateGroup("Hadas", "pw")).GroupId;                              // 1
        await Assert.ThrowsAsync<HubException>(() => b.JoinGroup(g, "Eve", "wrong"));      // 2: a failed join counts too
        await b.JoinGroup(g, "Shoham", "pw");                                              // 3
        await Assert.ThrowsAsync<HubException>(() => a.Rejoin("not a token", 0));          // 4: an invalid token counts

        await using var c = await ChatClient.ConnectAsync(cluster[1]);
        var refused = await Assert.ThrowsAsync<HubException>(() => c.JoinGroup(g, "Noa", "pw"));
        Assert.EndsWith("[TooManyAttempts]", refused.Message);
        refused = await Assert.ThrowsAsync<HubException>(() => a.CreateGroup("Noa", "pw"));
        Assert.EndsWith("[TooManyAttempts]", refused.Message);
    }
}
