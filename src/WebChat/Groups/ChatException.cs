namespace WebChat.Groups;

public enum ChatError
{
    InvalidName,
    NameTaken,
    AlreadyMember,
    InvalidPassword,
    UnknownGroup,
    WrongPassword,
    Throttled,
    NotMember,
    MessageTooLong,
    TooFast,
    InvalidToken,
    Unavailable,
    /// <summary>A group limit: the connection's, the address's or the deployment's number of groups.</summary>
    TooManyGroups,
    /// <summary>Too many create, join or rejoin attempts from one address in a minute.</summary>
    TooManyAttempts,
    /// <summary>The server is busy (password hashing is at capacity); try again in a moment.</summary>
    Busy,
    /// <summary>Only the group's owner may do that.</summary>
    NotOwner,
    /// <summary>No member of that name in the group.</summary>
    UnknownMember,
    /// <summary>A moderation request that makes no sense (removing yourself, handing the group to its owner).</summary>
    InvalidTarget,
}

/// <summary>A refusal by the core, in plain words. Doors translate it (a HubException with its kind, a line of the TCP dialogue).</summary>
public sealed class ChatException(ChatError error, string message) : Exception(message)
{
    public ChatError Error { get; } = error;

    public static ChatException UnknownGroup(int groupId) => new(ChatError.UnknownGroup, $"There is no group with id {groupId}");
    public static ChatException WrongPassword(int groupId) => new(ChatError.WrongPassword, $"Wrong password for group {groupId}");
    public static ChatException NotMember(int groupId) => new(ChatError.NotMember, $"You are not a member of group {groupId}");
    public static ChatException NameTaken(string name, int groupId) =>
        new(ChatError.NameTaken, $"The name \"{name}\" is already taken in group {groupId}, choose another");
    public static ChatException NotOwner() => new(ChatError.NotOwner, "Only the owner of the group can do that");
    public static ChatException UnknownMember(string name, int groupId) =>
        new(ChatError.UnknownMember, $"There is no member named \"{name}\" in group {groupId}");
    public static ChatException Unavailable() =>
        new(ChatError.Unavailable, "The chat service is unavailable right now, please try again in a moment");
}
