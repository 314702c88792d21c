using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Infrastructure;

/// <summary>The moderation events a SignalR client hears, in the same ordered log as its messages, joins and leaves.</summary>
public sealed record HeardRemovedMe(int GroupId, string By) : Heard;
public sealed record HeardRemoved(int GroupId, string UserName, string By) : Heard;

public static class Moderation
{
    /// <summary>Adds the moderation events to what the client hears (SignalR calls a connection's handlers in order).</summary>
    public static ChatClient HearingModeration(this ChatClient client)
    {
        var c = client.Connection;
        c.On<int, string>("RemovedFromGroup", (g, by) => client.Heard.Add(new HeardRemovedMe(g, by)));
        c.On<int, string, string>("MemberRemoved", (g, name, by) => client.Heard.Add(new HeardRemoved(g, name, by)));
        c.On<int, string>("PasswordChanged", (g, by) => client.Heard.Add(new HeardPasswordChanged(g, by)));
        c.On<int, string>("OwnerChanged", (g, owner) => client.Heard.Add(new HeardOwnerChanged(g, owner)));
        return client;
    }
}
