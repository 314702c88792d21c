using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>
/// Delivers group events to this node's SignalR connections. SignalR groups follow the event stream
/// (a connection is added at its own Joined or Attached event and removed at its Left event), so a
/// member gets exactly the events after the snapshot its join returned. Each send serializes once per
/// protocol; SignalR keeps the order per connection, so the sends are not awaited one by one.
/// </summary>
public sealed class HubSink(IHubContext<ChatHub, IChatClient> hub, ILogger<HubSink> log) : IGroupEventSink
{
    public static string GroupName(int groupId) => "g" + groupId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Deliver(GroupEvent e)
    {
        var group = GroupName(e.GroupId);
        var isHubMember = e.Door == Door.Hub && e.ConnectionId is not null;
        var others = isHubMember ? hub.Clients.GroupExcept(group, e.ConnectionId!) : hub.Clients.Group(group);
        switch (e.Kind)
        {
            case GroupEventKind.Message:
                Observe(others.MessageReceived(e.Message!));
                break;
            case GroupEventKind.Joined:
                Observe(others.MemberJoined(e.GroupId, e.UserName));
                if (isHubMember) Observe(hub.Groups.AddToGroupAsync(e.ConnectionId!, group));
                break;
            case GroupEventKind.Attached:
                if (isHubMember) Observe(hub.Groups.AddToGroupAsync(e.ConnectionId!, group));
                break;
            case GroupEventKind.Left:
                if (isHubMember) Observe(hub.Groups.RemoveFromGroupAsync(e.ConnectionId!, group));
                Observe(hub.Clients.Group(group).MemberLeft(e.GroupId, e.UserName));
                break;
        }
    }

    private void Observe(Task task)
    {
        if (task.IsCompletedSuccessfully) return;
        task.ContinueWith(t => log.LogWarning(t.Exception, "A hub delivery failed"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
