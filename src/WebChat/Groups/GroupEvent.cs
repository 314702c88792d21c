namespace WebChat.Groups;

public enum GroupEventKind
{
    /// <summary>A chat message; <see cref="GroupEvent.Message"/> is set and its id is the sequence number.</summary>
    Message,
    /// <summary>A member joined; its connection starts receiving from the next event on.</summary>
    Joined,
    /// <summary>A member left (explicitly, by disconnect, by grace expiry or by its node's death).</summary>
    Left,
    /// <summary>
    /// A member's new connection took over after a rejoin; nobody is told. <see cref="GroupEvent.PreviousConnectionId"/>
    /// names the connection that held it before, which stops receiving the group's events.
    /// </summary>
    Attached,
    /// <summary>The owner (<see cref="GroupEvent.By"/>) removed a member; the connection is the removed member's.</summary>
    Removed,
    /// <summary>The owner (<see cref="GroupEvent.UserName"/>, through <see cref="GroupEvent.ConnectionId"/>) changed the password.</summary>
    PasswordChanged,
    /// <summary><see cref="GroupEvent.UserName"/> is now the owner: handed over, or passed on when the owner left.</summary>
    OwnerChanged,
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
    ChatMessage? Message = null,
    string? By = null,
    string? PreviousConnectionId = null);
