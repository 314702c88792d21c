using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

using WebChat.Tests.Gateway;

namespace WebChat.Tests.Reliability;

/// <summary>
/// Both doors behind a <see cref="FaultProxy"/>: split and delayed chunks, dropped connections, cuts in the
/// middle of a frame or a line, stalled reads. Nothing accepted is lost, duplicated or reordered, and nothing
/// half-received is ever delivered.
/// </summary>
public class ProxyFaultTests
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Chat:Limits:MessagesPerSecond"] = "1000",
        ["Chat:Limits:MessageBurst"] = "1000",
    };

    [Fact]
    public async Task TinyDelayedChunksOnBothDoorsDeliverEveryMessageOnceInTheGroupsOrder()
    {
        // TCP lines are cut into 3-byte pieces: a piece followed by 150 ms of silence is a whole line (the seed
        // client's rule), so on the real clock a starved machine that paused between two pieces of one line would
        // rightly split it in two. On a clock that stands still, no pause ends a line.
        var clock = new FakeClock();
        await using var app = new WebChatApplication(Fast, clock.Install);
        await using var hubProxy = new FaultProxy(HubPeer.Port(app)) { MaxChunk = 16, DelayPerChunk = TimeSpan.FromMilliseconds(1) };
        await using var tcpProxy = new FaultProxy(TcpChatClient.PortOf(app)) { MaxChunk = 3 };

        await using var observer = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await observer.CreateGroup("Observer", "pw")).GroupId;
        await using var slowHub = await HubPeer.ConnectAsync(hubProxy.Port);
        await slowHub.JoinGroup(g, "SlowHub", "pw");
        await using var slowTcp = await TcpChatClient.ConnectToMenuAsync(tcpProxy.Port);
        await slowTcp.JoinGroupAsync(g, "SlowTcp", "pw");
        await using var directTcp = await TcpChatClient.ConnectToMenuAsync(TcpChatClient.PortOf(app));
        await directTcp.JoinGroupAsync(g, "DirectTcp", "pw");
        await observer.Heard.TakeAsync(3); // the three joins

        const int each = 20;
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < each; i++) await slowHub.Send(g, $"hub {i}"); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await slowTcp.SendAsync($"slow tcp {i}"); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await directTcp.SendAsync($"direct tcp {i}"); }));

        // The observer sends nothing: what it hears is the group's order, with ids strictly increasing.
        await observer.WaitForMessagesAsync(3 * each, TimeSpan.FromSeconds(30));
        var order = observer.Received;
        Assert.Equal(order.Select(m => m.Id).Order(), order.Select(m => m.Id));
        Assert.Equal(order.Count, order.Select(m => m.Id).Distinct().Count());
        foreach (var sender in new[] { "SlowHub", "SlowTcp", "DirectTcp" })
            Assert.Equal(each, order.Count(m => m.Sender == sender));

        // Every other member hears exactly that order, without its own lines.
        await slowHub.WaitForMessagesAsync(2 * each, TimeSpan.FromSeconds(30));
        Assert.Equal(order.Where(m => m.Sender != "SlowHub").Select(m => m.Id), slowHub.Received.Select(m => m.Id));
        foreach (var (peer, name) in new[] { (slowTcp, "SlowTcp"), (directTcp, "DirectTcp") })
        {
            var expected = order.Where(m => m.Sender != name).Select(m => $"{m.Sender}: {m.Text}").ToList();
            var heard = new List<string>();
            while (heard.Count < expected.Count)
            {
                var line = await peer.ReadLineAsync(TimeSpan.FromSeconds(30));
                if (line is not null && line.Contains(": ")) heard.Add(line);
                else if (line is null) break;
            }
            Assert.Equal(expected, heard);
        }
    }

    [Fact]
    public async Task ADroppedHubConnectionRejoinsThroughTheProxyAndMissesNothing()
    {
        await using var app = new WebChatApplication(Fast);
        await using var proxy = new FaultProxy(HubPeer.Port(app));
        await using var sender = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await sender.CreateGroup("Sender", "pw")).GroupId;
        var first = await HubPeer.ConnectAsync(proxy.Port);
        var joined = await first.JoinGroup(g, "Roamer", "pw");
        await sender.Heard.TakeAsync(1);

        // Messages flow the whole time; the roamer's connection is dropped in the middle.
        var sent = new List<long>();
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                sent.Add((await sender.Send(g, $"m{i}"))!.Id);
                if (i == 20) proxy.DropAll();
                await Task.Yield();
            }
        });
        await first.Closed.WaitAsync(TcpChatClient.DefaultTimeout);
        var before = first.Received;
        await first.DisposeAsync();

        await using var second = await HubPeer.ConnectAsync(proxy.Port);
        var back = await second.Rejoin(joined.RejoinToken, before.Count == 0 ? 0 : before[^1].Id);
        await sending;
        var total = before.Select(m => m.Id).Concat(back.History.Select(m => m.Id)).ToList();
        await second.WaitForMessagesAsync(sent.Count - total.Count);
        total.AddRange(second.Received.Select(m => m.Id));

        Assert.Equal(sent, total);
        Assert.True(sender.Heard.IsEmpty, "the others never saw the roamer leave");
        Assert.Equal([new GroupSummary(g, 2)], await sender.Connection.InvokeAsync<GroupSummary[]>("ListGroups"));
    }

    [Fact]
    public async Task AHubFrameCutInTheMiddleIsNeverHalfDeliveredAndTheResendArrivesOnce()
    {
        await using var app = new WebChatApplication(Fast);
        await using var proxy = new FaultProxy(HubPeer.Port(app));
        await using var observer = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await observer.CreateGroup("Observer", "pw")).GroupId;
        var writer = await HubPeer.ConnectAsync(proxy.Port);
        var joined = await writer.JoinGroup(g, "Writer", "pw");
        await observer.Heard.TakeAsync(1);

        var text = string.Concat(Enumerable.Repeat("0123456789", 150));
        proxy.CutAfter(Direction.Upstream, 600); // the WebSocket frame of the SendMessage stops after 600 of ~1600 bytes
        await Assert.ThrowsAnyAsync<Exception>(() => writer.Send(g, text).WaitAsync(TcpChatClient.DefaultTimeout));
        await writer.Closed.WaitAsync(TcpChatClient.DefaultTimeout);
        await writer.DisposeAsync();

        await using var again = await HubPeer.ConnectAsync(proxy.Port);
        var back = await again.Rejoin(joined.RejoinToken, 0);
        Assert.Empty(back.History); // nothing of the cut frame was accepted
        var stored = await again.Send(g, text);
        await again.Send(g, "after");
        await observer.WaitForMessagesAsync(2);
        Assert.Equal([text, "after"], observer.Received.Select(m => m.Text));
        Assert.Equal(stored!.Id, observer.Received[0].Id);
    }

    [Fact]
    public async Task ATcpLineCutInTheMiddleIsNotSentAndTheMemberLeavesAtOnce()
    {
        await using var app = new WebChatApplication(Fast);
        var gateway = TcpChatClient.PortOf(app);
        await using var proxy = new FaultProxy(gateway);
        await using var observer = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await observer.CreateGroup("Observer", "pw")).GroupId;
        await using var cutUp = await TcpChatClient.ConnectToMenuAsync(proxy.Port);
        await cutUp.JoinGroupAsync(g, "CutUp", "pw");
        await observer.Heard.TakeAsync(1);

        proxy.CutAfter(Direction.Upstream, 7);
        await cutUp.SendAsync("partial line that never ends");
        Assert.Equal(new HeardLeft(g, "CutUp"), await observer.Heard.WaitForAsync(h => h is HeardLeft));

        // A receiver cut in the middle of a line: it keeps the bytes it got, the server lets it go at once.
        await using var cutDown = await TcpChatClient.ConnectToMenuAsync(proxy.Port);
        await cutDown.JoinGroupAsync(g, "CutDown", "pw");
        await observer.Heard.WaitForAsync(h => h is HeardJoined);
        proxy.CutAfter(Direction.Downstream, 10);
        await observer.Send(g, "a line longer than ten bytes");
        Assert.Empty(await cutDown.ReadUntilClosedAsync()); // no whole line passed
        Assert.StartsWith(cutDown.Unterminated, "Observer: "); // at most the 10 bytes that passed
        Assert.Equal(new HeardLeft(g, "CutDown"), await observer.Heard.WaitForAsync(h => h is HeardLeft));

        // The group goes on, and nothing partial was ever delivered.
        await using var late = await TcpChatClient.ConnectToMenuAsync(gateway);
        await late.JoinGroupAsync(g, "Late", "pw");
        await late.ExpectAsync("Observer: a line longer than ten bytes\n");
        Assert.DoesNotContain(observer.Received, m => m.Sender == "CutUp");
    }

    [Fact]
    public async Task ReceiversStalledBelowTheUnsentLimitCatchUpWithNothingLostAndDelayNoOne()
    {
        await using var app = new WebChatApplication(Fast);
        await using var hubProxy = new FaultProxy(HubPeer.Port(app));
        await using var tcpProxy = new FaultProxy(TcpChatClient.PortOf(app));
        await using var sender = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await sender.CreateGroup("Sender", "pw")).GroupId;
        await using var observer = await HubPeer.ConnectAsync(HubPeer.Port(app));
        await observer.JoinGroup(g, "Observer", "pw");
        await using var stalledHub = await HubPeer.ConnectAsync(hubProxy.Port);
        await stalledHub.JoinGroup(g, "StalledHub", "pw");
        await using var stalledTcp = await TcpChatClient.ConnectToMenuAsync(tcpProxy.Port);
        await stalledTcp.JoinGroupAsync(g, "StalledTcp", "pw");
        await observer.Heard.TakeAsync(2);

        hubProxy.Stall(Direction.Downstream);
        tcpProxy.Stall(Direction.Downstream);
        var texts = Enumerable.Range(0, 200).Select(i => $"{i}: " + new string('x', 500)).ToList(); // ~100 KB, under 1 MiB
        foreach (var t in texts) await sender.Send(g, t);
        await observer.WaitForMessagesAsync(texts.Count); // the stalled ones slowed no one
        Assert.True(stalledHub.Received.Count < texts.Count);

        hubProxy.Resume(Direction.Downstream);
        tcpProxy.Resume(Direction.Downstream);
        await stalledHub.WaitForMessagesAsync(texts.Count);
        Assert.Equal(texts, stalledHub.Received.Select(m => m.Text));
        var lines = new List<string>();
        while (lines.Count < texts.Count) lines.Add((await stalledTcp.ReadLineAsync())!);
        Assert.Equal(texts.Select(t => $"Sender: {t}"), lines);
    }
}
