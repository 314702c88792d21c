using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>The server-to-client events of CONTRACT section 2.</summary>
public interface IChatClient
{
    Task MessageReceived(ChatMessage message);
    Task MemberJoined(int groupId, string userName);
    Task MemberLeft(int groupId, string userName);
}
