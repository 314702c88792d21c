using System.Collections.Concurrent;

namespace WebChat.Groups;

/// <summary>One membership held by a connection on this node.</summary>
public sealed record LocalMembership(int GroupId, string Epoch, string MemberId, string Name, Door Door);

/// <summary>This node's index of which connection is which member of which group.</summary>
public sealed class LocalMemberships
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, LocalMembership>> _byConnection = new();

    public void Add(string connectionId, LocalMembership membership) =>
        _byConnection.GetOrAdd(connectionId, _ => new())[membership.GroupId] = membership;

    public LocalMembership? Find(string connectionId, int groupId) =>
        _byConnection.TryGetValue(connectionId, out var groups) && groups.TryGetValue(groupId, out var m) ? m : null;

    public bool Remove(string connectionId, int groupId) =>
        _byConnection.TryGetValue(connectionId, out var groups) && groups.TryRemove(groupId, out _);

    /// <summary>Removes a closed connection's memberships and returns them.</summary>
    public IReadOnlyCollection<LocalMembership> RemoveConnection(string connectionId) =>
        _byConnection.TryRemove(connectionId, out var groups) ? groups.Values.ToArray() : [];

    /// <summary>Every local member, for refreshing presence in a shared store.</summary>
    public IEnumerable<(string ConnectionId, LocalMembership Membership)> All() =>
        _byConnection.SelectMany(c => c.Value.Values.Select(m => (c.Key, m)));
}
