using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>
/// Delivers group events to this node's SignalR connections. A connection enters a group's local list
/// at its own Joined or Attached event and leaves it at its Left event, so a member gets exactly the
/// events after the snapshot its join returned. Each event is serialized once per protocol
/// (<see cref="SerializedHubMessage"/> caches it) and written to each recipient's outbox.
/// A group's list is touched only by the dispatcher shard that owns the group, so it needs no lock.
/// </summary>
public sealed class HubSink(HubConnections connections, ChatMetrics metrics) : IGroupEventSink
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, List<HubOutbox>> _groups = new();

    public void Deliver(GroupEvent e)
    {
        var members = _groups.GetOrAdd(e.GroupId, _ => []);
        var own = e.Door == Door.Hub && e.ConnectionId is not null ? connections.Find(e.ConnectionId) : null;
        switch (e.Kind)
        {
            case GroupEventKind.Message:
                Broadcast(members, own, nameof(IChatClient.MessageReceived), e.Message!);
                break;
            case GroupEventKind.Joined:
                Broadcast(members, own, nameof(IChatClient.MemberJoined), e.GroupId, e.UserName);
                if (own is not null && !members.Contains(own)) members.Add(own);
                break;
            case GroupEventKind.Attached:
                if (own is not null && !members.Contains(own)) members.Add(own);
                break;
            case GroupEventKind.Left:
                if (own is not null) members.Remove(own);
                Broadcast(members, own, nameof(IChatClient.MemberLeft), e.GroupId, e.UserName);
                break;
        }
        if (members.Count == 0) _groups.TryRemove(new(e.GroupId, members));
    }

    private void Broadcast(List<HubOutbox> members, HubOutbox? except, string method, params object?[] args)
    {
        members.RemoveAll(m => m.IsClosed);
        if (members.Count == 0 || (members.Count == 1 && members[0] == except)) return;
        var message = new SerializedHubMessage(new InvocationMessage(method, args));
        var sent = 0;
        foreach (var member in members)
        {
            if (member == except) continue;
            member.Send(message);
            sent++;
        }
        metrics.Delivered(Door.Hub, sent);
    }
}
