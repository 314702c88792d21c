namespace WebChat.Groups;

/// <summary>
/// Keeps this node's <see cref="LocalMemberships"/> in step with changes made elsewhere in a group's stream: a
/// member taken over by a rejoin on another connection, or removed by the owner, is no longer held by the
/// connection that had it, so that connection can neither speak for it nor leave it.
/// </summary>
public sealed class MembershipSink(LocalMemberships local) : IGroupEventSink
{
    public void Deliver(ReadOnlySpan<GroupEvent> events)
    {
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case GroupEventKind.Attached when e.PreviousConnectionId is not null && e.PreviousConnectionId != e.ConnectionId:
                    local.Remove(e.PreviousConnectionId, e.GroupId);
                    break;
                case GroupEventKind.Removed when e.ConnectionId is not null:
                    local.Remove(e.ConnectionId, e.GroupId);
                    break;
            }
        }
    }
}
