using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Resilience;

public class RedisOutageTests
{
    [Fact]
    public async Task RedisStoppedAndRestartedUnderTrafficRefusesClearlyLosesNothingAcceptedAndRecovers()
    {
        // Redis as a deployment that must lose nothing runs it: an append-only file synced before each reply. Killed
        // without it, a message whose reply reached its sender's node a moment before the kill, but whose publish
        // had not yet reached the other node, is gone with the memory (docs/scale-out.md).
        await using var cluster = await Cluster.StartAsync(nodes: 2, persistentRedis: true);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");

        using var stop = new CancellationTokenSource();
        var refusals = new ConcurrentBag<string>();
        var slowest = TimeSpan.Zero;
        var acceptedSoFar = 0;
        async Task<List<string>> SendUntilStopped(ChatClient sender, string name)
        {
            var accepted = new List<string>();
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var text = $"{name} {n}";
                var clock = Stopwatch.StartNew();
                try
                {
                    await sender.Send(g, text);
                    accepted.Add(text);
                    Interlocked.Increment(ref acceptedSoFar);
                }
                catch (HubException e) { refusals.Add(e.Message); }
                if (clock.Elapsed > slowest) slowest = clock.Elapsed;
                await Task.Delay(10);
            }
            return accepted;
        }
        var traffic = new[] { SendUntilStopped(hadas, "Hadas"), SendUntilStopped(shoham, "Shoham") };

        await Until(() => Volatile.Read(ref acceptedSoFar) >= 20);     // traffic flows
        await cluster.Redis.StopAsync();
        foreach (var node in cluster.Nodes) await Health.WaitForAsync(node.BaseAddress, 503, TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<HubException>(() => hadas.Send(g, "into the void"));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Contains("unavailable right now", refused.Message);
        Assert.Contains("unavailable right now", (await Assert.ThrowsAsync<HubException>(() => shoham.ListGroups())).Message);

        await cluster.Redis.StartAgainAsync();
        foreach (var node in cluster.Nodes) await Health.WaitForAsync(node.BaseAddress, 200, TimeSpan.FromSeconds(10));
        var resumed = await hadas.Send(g, "Hadas back again");
        var before = Volatile.Read(ref acceptedSoFar);
        await Until(() => Volatile.Read(ref acceptedSoFar) >= before + 20);  // both senders' traffic flows again
        stop.Cancel();
        var sent = await Task.WhenAll(traffic);
        sent[0].Add(resumed!.Text);
        var markers = (await hadas.Send(g, "end from Hadas"), await shoham.Send(g, "end from Shoham"));

        Assert.NotEmpty(refusals);
        Assert.All(refusals, r => Assert.Contains("unavailable right now", r));
        Assert.InRange(slowest, TimeSpan.Zero, TimeSpan.FromSeconds(3));     // refused fast, never hung
        await AssertHeardExactlyOnce(shoham, sent[0], "end from Hadas");
        await AssertHeardExactlyOnce(hadas, sent[1], "end from Shoham");
        Assert.True(markers.Item2!.Id > markers.Item1!.Id && markers.Item1.Id > resumed.Id);   // one order still, after the restart
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not hold within 10 s");
            await Task.Delay(20);
        }
    }

    /// <summary>Everything the sender had accepted reached the listener once, in id order (a refused one may or may not have).</summary>
    private static async Task AssertHeardExactlyOnce(ChatClient listener, List<string> accepted, string marker)
    {
        var heard = new List<string>();
        var ids = new List<long>();
        while (true)
        {
            var h = await listener.Heard.NextAsync(TimeSpan.FromSeconds(15));
            if (h is not HeardMessage m) continue;
            ids.Add(m.Message.Id);
            if (m.Message.Text == marker) break;
            if (m.Message.Text.StartsWith(marker.Split(' ')[^1] + " ", StringComparison.Ordinal)) heard.Add(m.Message.Text);
        }
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(heard.Distinct().Count(), heard.Count);
        Assert.Equal(accepted.Order(StringComparer.Ordinal), heard.Intersect(accepted).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RedisRestartedWithItsDataKeepsGroupsAndHistoryAndCompletesLeavesRefusedMeanwhile()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, persistentRedis: true);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        await using var noa = await ChatClient.ConnectAsync(cluster[1]);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");
        await noa.JoinGroup(g, "Noa", "pw");
        var before = await hadas.Send(g, "before");

        await cluster.Redis.StopAsync();
        foreach (var node in cluster.Nodes) await Health.WaitForAsync(node.BaseAddress, 503, TimeSpan.FromSeconds(5));
        var refused = await Assert.ThrowsAsync<HubException>(() => shoham.LeaveGroup(g));
        Assert.Contains("unavailable right now", refused.Message);
        await cluster.Redis.StartAgainAsync();
        foreach (var node in cluster.Nodes) await Health.WaitForAsync(node.BaseAddress, 200, TimeSpan.FromSeconds(10));

        // Shoham's leave, refused while Redis was away, is completed by Shoham's node once it is back.
        Assert.Equal(new HeardLeft(g, "Shoham"), await hadas.Heard.WaitForAsync(h => h is HeardLeft, TimeSpan.FromSeconds(10)));
        var after = await hadas.Send(g, "after");
        Assert.True(after!.Id > before!.Id);
        Assert.Equal(["before", "after"], (await noa.MessagesAsync(2, TimeSpan.FromSeconds(10))).Select(m => m.Text));

        await using var dana = await ChatClient.ConnectAsync(cluster[0]);
        var joined = await dana.JoinGroup(g, "Dana", "pw");
        Assert.Equal(["Hadas", "Noa", "Dana"], joined.Members);
        Assert.Equal(["before", "after"], joined.History.Select(m => m.Text));
    }

    [Fact]
    public async Task ANodeStartedBeforeRedisAnswersServesOnceRedisIsThere()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 1);
        await cluster.Redis.StopAsync();
        var late = await cluster.AddNodeAsync(healthy: 503);
        await using var early = await ChatClient.ConnectAsync(late);
        Assert.Contains("unavailable right now", (await Assert.ThrowsAsync<HubException>(() => early.CreateGroup("Hadas", "pw"))).Message);

        await cluster.Redis.StartAgainAsync();
        foreach (var node in cluster.Nodes) await Health.WaitForAsync(node.BaseAddress, 200, TimeSpan.FromSeconds(10));
        await using var shoham = await ChatClient.ConnectAsync(cluster[0]);
        var g = (await early.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");
        var hello = (await shoham.Send(g, "hello"))!;
        Assert.Equal(hello.Id, (await early.NextMessageAsync()).Id);
    }
}
