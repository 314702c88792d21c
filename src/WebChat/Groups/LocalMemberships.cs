using System.Collections.Concurrent;

namespace WebChat.Groups;

/// <summary>One membership held by a connection on this node.</summary>
public sealed record LocalMembership(int GroupId, string Epoch, string MemberId, string Name, Door Door);

/// <summary>
/// This node's index of which connection is which member of which group. A connection is in one group or
/// a few, so each keeps a small array that is replaced whole on every change (compare-and-swap): an idle
/// connection holds one short array rather than a dictionary of its own.
/// </summary>
public sealed class LocalMemberships
{
    private readonly ConcurrentDictionary<string, LocalMembership[]> _byConnection = new();

    public void Add(string connectionId, LocalMembership membership) =>
        _byConnection.AddOrUpdate(connectionId, static (_, m) => [m], static (_, held, m) => With(held, m), membership);

    public LocalMembership? Find(string connectionId, int groupId)
    {
        if (!_byConnection.TryGetValue(connectionId, out var held)) return null;
        foreach (var m in held) if (m.GroupId == groupId) return m;
        return null;
    }

    /// <summary>How many groups the connection is a member of.</summary>
    public int Count(string connectionId) => _byConnection.TryGetValue(connectionId, out var held) ? held.Length : 0;

    public bool Remove(string connectionId, int groupId)
    {
        while (_byConnection.TryGetValue(connectionId, out var held))
        {
            var at = Array.FindIndex(held, m => m.GroupId == groupId);
            if (at < 0) return false;
            LocalMembership[] rest = held.Length == 1 ? [] : [.. held[..at], .. held[(at + 1)..]];
            if (_byConnection.TryUpdate(connectionId, rest, held)) return true;
        }
        return false;
    }

    /// <summary>Removes a closed connection's memberships and returns them.</summary>
    public IReadOnlyCollection<LocalMembership> RemoveConnection(string connectionId) =>
        _byConnection.TryRemove(connectionId, out var held) ? held : [];

    /// <summary>Every local member, for refreshing presence in a shared store.</summary>
    public IEnumerable<(string ConnectionId, LocalMembership Membership)> All() =>
        _byConnection.SelectMany(c => c.Value.Select(m => (c.Key, m)));

    /// <summary>The held memberships with <paramref name="membership"/> in place of any for the same group.</summary>
    private static LocalMembership[] With(LocalMembership[] held, LocalMembership membership)
    {
        var at = Array.FindIndex(held, m => m.GroupId == membership.GroupId);
        if (at < 0) return [.. held, membership];
        var copy = (LocalMembership[])held.Clone();
        copy[at] = membership;
        return copy;
    }
}
