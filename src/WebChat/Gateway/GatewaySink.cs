using System.Collections.Concurrent;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// The gateway's door sink (docs/architecture.md). A TCP session enters a group's local list at its own
/// Joined event (or Attached, when it takes back a member kept across a restart) and leaves it at its own
/// Left event, so after the join's history it gets exactly the later events. Each event is encoded once as its
/// dialogue line and the same bytes go on every local TCP member's queue, except the connection that caused it.
/// A member that cannot keep up is dropped; nobody waits.
/// </summary>
public sealed class GatewaySink(GatewaySessions sessions, ChatMetrics metrics) : IGroupEventSink
{
    // A group's list changes only on its own dispatcher shard, in stream order, so copy-on-write arrays suffice.
    private readonly ConcurrentDictionary<int, TcpSession[]> _groups = new();

    // The member lists a run wrote to, per dispatcher thread: each of their sessions is flushed once at the run's end.
    [ThreadStatic] private static List<TcpSession[]>? t_touched;

    public void Deliver(ReadOnlySpan<GroupEvent> events)
    {
        // A run's lines are written into each receiver's socket pipe, then each receiver is flushed once:
        // one send per receiver for the whole run (a run is one event when the node is quiet).
        var touched = t_touched ??= [];
        try
        {
            foreach (var e in events) Deliver(e, touched);
        }
        finally
        {
            foreach (var members in touched)
                foreach (var session in members) session.FlushOutput();
            touched.Clear();
        }
    }

    private void Deliver(GroupEvent e, List<TcpSession[]> touched)
    {
        switch (e.Kind)
        {
            case GroupEventKind.Message:
                Fanout(touched, e.GroupId, () => GatewayTexts.Chat(e.UserName, e.Message!.Text), e.ConnectionId);
                break;
            case GroupEventKind.Joined:
                Fanout(touched, e.GroupId, () => GatewayTexts.Joined(e.UserName), e.ConnectionId);
                if (e.Door == Door.Tcp && e.ConnectionId is not null && sessions.TryGet(e.ConnectionId, out var joiner))
                    _groups.AddOrUpdate(e.GroupId, _ => [joiner], (_, list) => [.. list, joiner]);
                break;
            case GroupEventKind.Attached when e.Door == Door.Tcp && e.ConnectionId is not null:
                // A TCP member taken back after a restart: its new session gets the group from here on; nobody is told.
                if (e.PreviousConnectionId is not null) RemoveFromGroup(e.GroupId, e.PreviousConnectionId);
                if (sessions.TryGet(e.ConnectionId, out var back))
                    _groups.AddOrUpdate(e.GroupId, _ => [back], (_, list) => list.Contains(back) ? list : [.. list, back]);
                break;
            case GroupEventKind.Left:
                if (e.Door == Door.Tcp && e.ConnectionId is not null)
                {
                    RemoveFromGroup(e.GroupId, e.ConnectionId);
                    if (sessions.TryGet(e.ConnectionId, out var leaver)) leaver.OnLeft(e.GroupId);
                }
                Fanout(touched, e.GroupId, () => GatewayTexts.Left(e.UserName), except: null);
                break;
            case GroupEventKind.Removed:
                if (e.Door == Door.Tcp && e.ConnectionId is not null)
                {
                    RemoveFromGroup(e.GroupId, e.ConnectionId);
                    if (sessions.TryGet(e.ConnectionId, out var removed)) removed.OnRemoved(e.GroupId, e.By ?? "");
                }
                Fanout(touched, e.GroupId, () => GatewayTexts.WasRemoved(e.UserName, e.By ?? ""), except: null);
                break;
            case GroupEventKind.PasswordChanged:
                if (e.Door == Door.Tcp && e.ConnectionId is not null && sessions.TryGet(e.ConnectionId, out var owner)
                    && owner.Enqueue(GatewayTexts.PasswordChangedToOwner))
                    metrics.Delivered(Door.Tcp);
                Fanout(touched, e.GroupId, () => GatewayTexts.PasswordChanged(e.UserName), e.ConnectionId);
                break;
            case GroupEventKind.OwnerChanged:
                Fanout(touched, e.GroupId, () => GatewayTexts.OwnerChanged(e.UserName), except: null);
                break;
        }
    }

    private void Fanout(List<TcpSession[]> touched, int groupId, Func<string> line, string? except)
    {
        if (!_groups.TryGetValue(groupId, out var members)) return;
        if (!Contains(touched, members)) touched.Add(members);
        byte[]? bytes = null;
        long delivered = 0;
        foreach (var session in members)
        {
            if (session.ConnectionId == except) continue;
            bytes ??= GatewayTexts.Bytes(line());
            if (session.Write(bytes)) delivered++;
        }
        metrics.Delivered(Door.Tcp, delivered);
    }

    private static bool Contains(List<TcpSession[]> lists, TcpSession[] members)
    {
        foreach (var list in lists)
            if (ReferenceEquals(list, members)) return true;
        return false;
    }

    private void RemoveFromGroup(int groupId, string connectionId)
    {
        if (!_groups.TryGetValue(groupId, out var list)) return;
        var rest = list.Where(s => s.ConnectionId != connectionId).ToArray();
        if (rest.Length == 0) _groups.TryRemove(groupId, out _);
        else _groups[groupId] = rest;
    }
}
