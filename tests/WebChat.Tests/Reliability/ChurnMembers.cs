using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;

using WebChat.Tests.Gateway;

namespace WebChat.Tests.Reliability;

/// <summary>
/// What was sent to one group during a churn run: ids the hub confirmed, lines the gateway surely took,
/// and sends whose fate the sender cannot know (its connection died under them): those may arrive at most once.
/// </summary>
public sealed class Sent
{
    public ConcurrentDictionary<long, string> ConfirmedIds { get; } = new();
    public ConcurrentDictionary<string, byte> CertainTexts { get; } = new();
    public ConcurrentDictionary<string, byte> MaybeTexts { get; } = new();
    public int Refused;

    public static string Text(string sender, int n) => $"m|{sender}|{n}";

    public static bool IsMessageLine(string line) => line.Contains(": m|", StringComparison.Ordinal) || line.Contains(": fence|", StringComparison.Ordinal);

    public static string Line(ChatMessage m) => $"{m.Sender}: {m.Text}";
}

/// <summary>
/// A SignalR member that survives dropped connections the way the page does: a new connection and
/// <c>Rejoin(token, lastSeenMessageId)</c> inside the grace. <see cref="Seen"/> is everything it was shown,
/// across connections: the join's history, live messages, and each rejoin's replay.
/// </summary>
public sealed class RoamingMember
{
    /// <summary>
    /// How long a call waits for the server's answer. Only a dropped connection leaves a call's fate unknown; a
    /// live connection that has not answered by then is a failure of the test, not a drop to recover from (a retry
    /// would spend a single-use token that the unanswered call may have spent already).
    /// </summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(60);

    private readonly int _port;
    private readonly List<ChatMessage> _seen = [];
    private HubPeer _peer;
    private HubPeer? _collected;
    private string _token;

    private RoamingMember(int port, HubPeer peer, JoinedGroup joined)
    {
        (_port, _peer, _token, GroupId, Name) = (port, peer, joined.RejoinToken, joined.GroupId, joined.UserName);
        _seen.AddRange(joined.History);
    }

    public int GroupId { get; }
    public string Name { get; }
    public int Rejoins { get; private set; }
    public IReadOnlyList<ChatMessage> Seen => _seen;
    public HubPeer Current => _peer;

    public static async Task<RoamingMember> JoinAsync(int port, int groupId, string name)
    {
        var peer = await HubPeer.ConnectAsync(port);
        try { return new RoamingMember(port, peer, await peer.JoinGroup(groupId, name, "pw").WaitAsync(TcpChatClient.DefaultTimeout)); }
        catch { await peer.DisposeAsync(); throw; }
    }

    /// <summary>Sends one numbered text and books it; a connection lost under the send makes it a maybe and rejoins.</summary>
    public async Task SendAsync(string text, Sent sent)
    {
        if (Lost) return;
        try
        {
            var stored = await _peer.Send(GroupId, text).WaitAsync(AnswerTimeout);
            sent.ConfirmedIds[stored!.Id] = text;
        }
        catch (HubException)
        {
            Interlocked.Increment(ref sent.Refused);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            sent.MaybeTexts[text] = 0;
            await ReconnectAsync();
        }
    }

    /// <summary>
    /// True when the member slipped out of this client's hands: a rejoin reached the server (which spent the token
    /// and answered with the next one) but the connection died before the answer came back. Like a page in that
    /// state, it holds no valid token any more; the server lets the member go when its grace ends.
    /// </summary>
    public bool Lost { get; private set; }

    /// <summary>
    /// Drops the connection (if it is not dropped already) and rejoins on a new one from the last message seen.
    /// Tokens are single-use, so a retry with the same token is only safe when the earlier attempt may never have
    /// reached the server; if it did (the connection died after the Rejoin was sent), the retry is refused as
    /// "already used", and the member is <see cref="Lost"/>. Returns false then.
    /// </summary>
    public async Task<bool> ReconnectAsync()
    {
        if (Lost) return false;
        var mayHaveReachedServer = false;
        for (var attempt = 1; ; attempt++)
        {
            await CollectAsync();
            var sent = false;
            try
            {
                _peer = await HubPeer.ConnectAsync(_port);
                sent = true;
                var back = await _peer.Rejoin(_token, _seen.Count == 0 ? 0 : _seen[^1].Id).WaitAsync(AnswerTimeout);
                _token = back.RejoinToken;
                _seen.AddRange(back.History);
                Rejoins++;
                return true;
            }
            catch (HubException e) when (mayHaveReachedServer && e.Message.Contains("[InvalidToken]"))
            {
                // An earlier attempt was accepted and its answer (the next token) lost with its connection.
                Lost = true;
                await CollectAsync();
                return false;
            }
            catch (Exception e) when (attempt < 5 && e is not HubException and not TimeoutException)
            {
                mayHaveReachedServer |= sent; // the connection dropped: before the Rejoin went out, or after
            }
        }
    }

    public async Task LeaveAsync()
    {
        for (var attempt = 1; !Lost; attempt++)
        {
            try
            {
                await _peer.LeaveGroup(GroupId).WaitAsync(AnswerTimeout);
                break;
            }
            catch (Exception e) when (attempt < 5 && e is not TimeoutException && _peer.Closed.IsCompleted)
            {
                // The connection dropped under the leave: if the leave got through, the token opens nothing any more.
                try { await ReconnectAsync(); }
                catch (HubException refused) when (refused.Message.Contains("[InvalidToken]")) { break; }
            }
        }
        await CollectAsync();
    }

    /// <summary>Closes the current connection and keeps what it heard (nothing more arrives after its disposal).</summary>
    public async Task CollectAsync()
    {
        if (ReferenceEquals(_collected, _peer)) return;
        _collected = _peer;
        await _peer.DisposeAsync();
        _seen.AddRange(_peer.Received);
    }
}

/// <summary>
/// One group of the churn run and its four stayers: the observer (only listens: its log is the group's
/// order), a talker, a roamer behind the fault proxy, and a TCP stayer.
/// </summary>
public sealed class GroupRun : IAsyncDisposable
{
    private TcpChatClient _tcp = null!;
    private readonly SynchronizedList<string> _tcpLines = new();

    public int Index { get; private init; }
    public int GroupId { get; private init; }
    public HubPeer Observer { get; private init; } = null!;
    public HubPeer Talker { get; private set; } = null!;
    public RoamingMember Roamer { get; private set; } = null!;
    public Sent Sent { get; } = new();

    private string TalkerName => $"sh{Index}";
    private string TcpName => $"st{Index}";
    private string Fence => $"fence|{TalkerName}";

    public static async Task<GroupRun> StartAsync(int index, int hubPort, int proxiedHubPort, int tcpPort)
    {
        var observer = await HubPeer.ConnectAsync(hubPort);
        var run = new GroupRun { Index = index, Observer = observer, GroupId = (await observer.CreateGroup($"obs{index}", "pw")).GroupId };
        run.Talker = await HubPeer.ConnectAsync(hubPort);
        await run.Talker.JoinGroup(run.GroupId, run.TalkerName, "pw");
        run.Roamer = await RoamingMember.JoinAsync(proxiedHubPort, run.GroupId, $"sp{index}");
        run._tcp = await TcpChatClient.ConnectToMenuAsync(tcpPort);
        await run._tcp.JoinGroupAsync(run.GroupId, run.TcpName, "pw");
        _ = ChurnTests.CollectLinesAsync(run._tcp, run._tcpLines);
        return run;
    }

    /// <summary>The three talking stayers send a numbered message every 250-300 ms until <paramref name="until"/>.</summary>
    public Task TalkAsync(DateTime until) => Task.WhenAll(
        Task.Run(async () =>
        {
            for (var n = 0; DateTime.UtcNow < until; n++)
            {
                var text = Sent.Text(TalkerName, n);
                Sent.ConfirmedIds[(await Talker.Send(GroupId, text))!.Id] = text;
                await Task.Delay(250);
            }
        }),
        Task.Run(async () =>
        {
            for (var n = 0; DateTime.UtcNow < until; n++)
            {
                await Roamer.SendAsync(Sent.Text(Roamer.Name, n), Sent);
                await Task.Delay(300);
            }
        }),
        Task.Run(async () =>
        {
            var pending = new List<string>();
            for (var n = 0; DateTime.UtcNow < until; n++)
            {
                pending.Add(Sent.Text(TcpName, n));
                await _tcp.SendAsync(pending[^1]);
                await Task.Delay(250);
            }
            await _tcp.SendAsync("/who");
            await _tcpLines.WaitUntilAsync(l => l.Any(x => x.StartsWith("Members of group", StringComparison.Ordinal)), TcpChatClient.DefaultTimeout, "/who answer");
            foreach (var text in pending) Sent.CertainTexts[text] = 0;
        }));

    /// <summary>A last message after everything else: once every stayer has it, each has had all before it.</summary>
    public async Task FenceAsync()
    {
        if (Roamer.Current.Closed.IsCompleted) await Roamer.ReconnectAsync();
        Assert.False(Roamer.Lost, $"group {GroupId}: the staying roamer lost its member (a rejoin was accepted but its answer never arrived)");
        var fence = await Talker.Send(GroupId, Fence);
        Sent.ConfirmedIds[fence!.Id] = Fence;
        var wait = TimeSpan.FromSeconds(20);
        var observer = WaitForFence(Observer, wait);
        var roamer = WaitForFence(Roamer.Current, wait);
        var tcp = _tcpLines.WaitUntilAsync(l => l.Contains($"{TalkerName}: {Fence}"), wait, "fence line");
        try { await Task.WhenAll(observer, roamer, tcp); }
        catch (Exception)
        {
            Assert.Fail($"group {GroupId}: fence {fence.Id} heard by observer {observer.IsCompletedSuccessfully} (last id {Observer.Received.LastOrDefault()?.Id}, " +
                        $"closed {Observer.Closed.IsCompleted}), roamer {roamer.IsCompletedSuccessfully} (last id {Roamer.Current.Received.LastOrDefault()?.Id}), " +
                        $"tcp {tcp.IsCompletedSuccessfully} (last line {_tcpLines.Snapshot().LastOrDefault()}), talker last heard {Talker.Received.LastOrDefault()?.Id}");
        }
    }

    private Task WaitForFence(HubPeer peer, TimeSpan wait) => peer.WaitForMessageAsync(m => m.Text == Fence, wait);

    public async Task VerifyAsync(List<Episode> episodes)
    {
        var order = Observer.Received;
        for (var i = 1; i < order.Count; i++)
            Assert.True(order[i].Id > order[i - 1].Id, $"group {GroupId}: id {order[i].Id} after {order[i - 1].Id}");
        Assert.Equal(order.Count, order.Select(m => m.Text).Distinct().Count());

        var byId = order.ToDictionary(m => m.Id);
        foreach (var (id, text) in Sent.ConfirmedIds)
            Assert.True(byId.TryGetValue(id, out var m) && m.Text == text, $"group {GroupId}: confirmed message {id} \"{text}\" never reached the observer");
        var texts = order.Select(m => m.Text).ToHashSet();
        foreach (var text in Sent.CertainTexts.Keys) Assert.True(texts.Contains(text), $"group {GroupId}: the gateway took \"{text}\" but the observer never heard it");
        var known = Sent.ConfirmedIds.Values.Concat(Sent.CertainTexts.Keys).Concat(Sent.MaybeTexts.Keys).ToHashSet();
        Assert.All(order, m => Assert.Contains(m.Text, known));
        foreach (var bySender in order.Where(m => m.Text.StartsWith("m|")).GroupBy(m => m.Sender))
        {
            var numbers = bySender.Select(m => int.Parse(m.Text.Split('|')[2])).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }
        Assert.Equal(0, Sent.Refused);

        var lines = order.Select(Sent.Line).ToList();
        Assert.Equal(Without(lines, TalkerName), Talker.Received.Select(Sent.Line));
        await Roamer.CollectAsync();
        Assert.Equal(Without(lines, Roamer.Name), Without(Roamer.Seen.Select(Sent.Line), Roamer.Name));
        Assert.Equal(Without(lines, TcpName), _tcpLines.Snapshot().Where(Sent.IsMessageLine));

        var index = lines.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        foreach (var e in episodes)
        {
            var mine = Without(e.Lines, e.Name);
            if (mine.Count == 0) continue;
            Assert.True(index.TryGetValue(mine[0], out var start), $"{e.Name} heard \"{mine[0]}\", which the observer never did");
            var expected = Without(lines.Skip(start), e.Name).Take(mine.Count).ToList();
            var diverged = expected.Zip(mine).TakeWhile(p => p.First == p.Second).Count();
            Assert.True(expected.SequenceEqual(mine),
                $"{e.Name} ({e.Door}, {e.Rejoins} rejoins) heard {mine.Count} lines that part from the observer's at line {diverged}: " +
                $"expected [{string.Join(", ", expected.Skip(diverged).Take(3))}], heard [{string.Join(", ", mine.Skip(diverged).Take(3))}]");
            for (var i = 1; i < e.Ids.Count; i++) Assert.True(e.Ids[i] > e.Ids[i - 1], $"{e.Name} got id {e.Ids[i]} after {e.Ids[i - 1]}");
        }

        // Everyone who came and went was seen leaving exactly once: a rejoin inside the grace never shows as a leave.
        await Observer.Left.WaitUntilAsync(l => episodes.All(e => l.Contains(e.Name)), TimeSpan.FromSeconds(10), "leave notices");
        var left = Observer.Left.Snapshot();
        foreach (var e in episodes) Assert.True(left.Count(n => n == e.Name) == 1, $"{e.Name} was seen leaving {left.Count(n => n == e.Name)} times");
    }

    private static List<string> Without(IEnumerable<string> lines, string name) =>
        lines.Where(l => !l.StartsWith(name + ": ", StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await Talker.LeaveGroup(GroupId);
        await Talker.DisposeAsync();
        await _tcp.DisposeAsync();
        await Observer.LeaveGroup(GroupId);
        await Observer.DisposeAsync();
    }
}
