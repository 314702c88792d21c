using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>The server-to-client events (docs/protocol.md).</summary>
public interface IChatClient
{
    Task MessageReceived(ChatMessage message);
    Task MemberJoined(int groupId, string userName);
    Task MemberLeft(int groupId, string userName);
    Task RemovedFromGroup(int groupId, string by);
    Task MemberRemoved(int groupId, string userName, string by);
    Task PasswordChanged(int groupId, string by);
    Task OwnerChanged(int groupId, string owner);
}
