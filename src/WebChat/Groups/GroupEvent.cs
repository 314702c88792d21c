namespace WebChat.Groups;

public enum GroupEventKind
{
    /// <summary>A chat message; <see cref="GroupEvent.Message"/> is set and its id is the sequence number.</summary>
    Message,
    /// <summary>A member joined; its connection starts receiving from the next event on.</summary>
    Joined,
    /// <summary>A member left (explicitly, by disconnect, by grace expiry or by its node's death).</summary>
    Left,
    /// <summary>A member's new connection took over after a rejoin; nobody is told.</summary>
    Attached,
}

/// <summary>
/// One entry of a group's ordered stream. Every door sink sees a group's events in <see cref="Seq"/> order.
/// <see cref="ConnectionId"/> and <see cref="Door"/> name the member's connection that caused the event
/// (the sender, joiner, leaver), which is excluded from its own notices.
/// </summary>
public sealed record GroupEvent(
    int GroupId,
    long Seq,
    GroupEventKind Kind,
    string UserName,
    Door Door,
    string? ConnectionId,
    ChatMessage? Message = null);
