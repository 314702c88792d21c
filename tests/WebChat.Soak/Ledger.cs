using System.Collections.Concurrent;

namespace WebChat.Soak;

public sealed record ChatMessage(long Id, int GroupId, string Sender, string Text, DateTime SentAt);
public sealed record JoinedGroup(int GroupId, string UserName, string[] Members, ChatMessage[] History, string RejoinToken);

/// <summary>
/// What was sent to one group and what its observer (a member that only listens) heard. A hub send is
/// confirmed with its id; a TCP line is certain once a later reply proves the gateway read it; a send whose
/// connection died under it is a maybe (it may arrive, at most once). Anything confirmed or certain that the
/// observer has not heard 5 s after it was sent is overdue; after the final fence, it is lost.
/// </summary>
public sealed class Ledger(int groupId)
{
    public int GroupId { get; } = groupId;
    private readonly ConcurrentDictionary<string, DateTime> _sentAt = new();
    private readonly ConcurrentDictionary<string, byte> _owed = new();
    private readonly ConcurrentDictionary<string, byte> _maybe = new();
    private readonly ConcurrentDictionary<string, int> _heard = new();
    private readonly List<ChatMessage> _order = [];
    private readonly List<string> _lines = [];
    private readonly Dictionary<string, int> _index = [];

    public static string Text(string sender, int n) => $"m|{sender}|{n}";

    public void Sending(string text) => _sentAt[text] = DateTime.UtcNow;

    /// <summary>The server surely took it (a hub send returned, or the gateway answered a later line).</summary>
    public void Owed(string text) => _owed[text] = 0;

    public void Maybe(string text) => _maybe[text] = 0;

    public void ObserverHeard(ChatMessage m)
    {
        _heard.AddOrUpdate(m.Text, 1, (_, n) => n + 1);
        lock (_order)
        {
            _order.Add(m);
            _index.TryAdd(Line(m), _lines.Count);
            _lines.Add(Line(m));
        }
    }

    public static string Line(ChatMessage m) => $"{m.Sender}: {m.Text}";

    public bool Heard(string text) => _heard.ContainsKey(text);

    /// <summary>
    /// True if <paramref name="shown"/> (one member's stay, as chat lines) is an unbroken slice of the observer's
    /// order without the member's own lines: nothing missing, nothing twice, nothing out of order. Where the
    /// observer has not heard that far yet, the rest is not judged.
    /// </summary>
    public bool IsUnbrokenSlice(IReadOnlyList<string> shown, string me)
    {
        var mine = shown.Where(l => !l.StartsWith(me + ": ", StringComparison.Ordinal)).ToList();
        if (mine.Count == 0) return true;
        lock (_order)
        {
            if (!_index.TryGetValue(mine[0], out var j)) return false;
            foreach (var line in mine)
            {
                while (j < _lines.Count && _lines[j].StartsWith(me + ": ", StringComparison.Ordinal)) j++;
                if (j >= _lines.Count) return true;
                if (_lines[j] != line) return false;
                j++;
            }
            return true;
        }
    }

    /// <summary>The observer's order as chat lines, without <paramref name="me"/>'s own.</summary>
    public List<string> LinesWithout(string me)
    {
        lock (_order) return _lines.Where(l => !l.StartsWith(me + ": ", StringComparison.Ordinal)).ToList();
    }

    public List<ChatMessage> Order()
    {
        lock (_order) return [.. _order];
    }

    /// <summary>Owed messages sent more than <paramref name="age"/> ago that the observer has not heard.</summary>
    public int Overdue(TimeSpan age)
    {
        var before = DateTime.UtcNow - age;
        return _owed.Keys.Count(t => !_heard.ContainsKey(t) && _sentAt.TryGetValue(t, out var at) && at < before);
    }

    public (int Owed, int Lost, int Duplicated, int OutOfOrder, int Unknown) Verdict()
    {
        var order = Order();
        var outOfOrder = order.Zip(order.Skip(1)).Count(p => p.Second.Id <= p.First.Id);
        var unknown = order.Count(m => m.Text.StartsWith("m|") && !_owed.ContainsKey(m.Text) && !_maybe.ContainsKey(m.Text));
        return (_owed.Count, _owed.Keys.Count(t => !_heard.ContainsKey(t)), _heard.Values.Count(n => n > 1), outOfOrder, unknown);
    }
}

/// <summary>Counters for the report, reset per interval where it says so.</summary>
public sealed class Counters
{
    public long Sent, Delivered, Joins, Leaves, Rejoins, Drops, Refused, Errors, Broken;

    public Counters Take() => new()
    {
        Sent = Interlocked.Exchange(ref Sent, 0), Delivered = Interlocked.Exchange(ref Delivered, 0),
        Joins = Interlocked.Exchange(ref Joins, 0), Leaves = Interlocked.Exchange(ref Leaves, 0),
        Rejoins = Interlocked.Exchange(ref Rejoins, 0), Drops = Interlocked.Exchange(ref Drops, 0),
        Refused = Interlocked.Exchange(ref Refused, 0), Errors = Interlocked.Exchange(ref Errors, 0),
        Broken = Interlocked.Exchange(ref Broken, 0),
    };
}
