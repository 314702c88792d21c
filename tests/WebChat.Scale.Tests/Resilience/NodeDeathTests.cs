using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Resilience;

public class NodeDeathTests
{
    [Fact]
    public async Task MembersOfAKilledNodeLeaveEverywhereWithinTheBoundAndTheirEmptyGroupIsDeleted()
    {
        const int ttlSeconds = 2;
        await using var cluster = await Cluster.StartAsync(nodes: 2,
            new Dictionary<string, string?> { ["Chat:Redis:PresenceTtlSeconds"] = ttlSeconds.ToString() });
        await using var doomed = await NodeProcess.StartBuiltAsync(Cluster.Settings(cluster.Redis, ttlSeconds));
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        await using var ghost = await ConnectAsync(doomed.BaseAddress);

        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");
        await ghost.InvokeAsync<JoinedGroup>("JoinGroup", g, "Ghost", "pw");
        var lonely = (await ghost.InvokeAsync<JoinedGroup>("CreateGroup", "Ghost", "pw")).GroupId;
        Assert.Equal(new HeardJoined(g, "Shoham"), await hadas.Heard.NextAsync());
        Assert.Equal(new HeardJoined(g, "Ghost"), await hadas.Heard.NextAsync());
        Assert.Equal(new HeardJoined(g, "Ghost"), await shoham.Heard.NextAsync());

        var clock = Stopwatch.StartNew();
        await doomed.KillAsync();
        // The bound: presence TTL plus one refresh period (a third of it), with room for a slow machine.
        var bound = TimeSpan.FromSeconds(ttlSeconds * 4.0 / 3 + 3);
        Assert.Equal(new HeardLeft(g, "Ghost"), await hadas.Heard.NextAsync(bound));
        Assert.Equal(new HeardLeft(g, "Ghost"), await shoham.Heard.NextAsync(bound));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, bound);

        Assert.Equal([new GroupSummary(g, 2)], await hadas.ListGroups());
        Assert.DoesNotContain(lonely, (await shoham.ListGroups()).Select(s => s.GroupId));
        var next = await shoham.CreateGroup("Shoham", "pw");
        Assert.Equal(lonely, next.GroupId);      // the dead node's empty group freed its id
    }

    private static Task<HubConnection> ConnectAsync(Uri node) => ChatClient.ConnectHubAsync(node);
}
