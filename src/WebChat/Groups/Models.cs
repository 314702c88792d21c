namespace WebChat.Groups;

/// <summary>Which door a member came through.</summary>
public enum Door { Hub, Tcp }

/// <summary>A caller of the core: one connection through one door, from one address.</summary>
public sealed record Member(Door Door, string ConnectionId, string Address);

/// <summary>A message as stored and delivered (docs/protocol.md).</summary>
public sealed record ChatMessage(long Id, int GroupId, string Sender, string Text, DateTime SentAt);

/// <summary>What a member gets on create, join and rejoin (docs/protocol.md).</summary>
public sealed record JoinedGroup(int GroupId, string UserName, string[] Members, ChatMessage[] History, string RejoinToken, string Owner);

public sealed record GroupSummary(int GroupId, int MemberCount);
