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
}

/// <summary>A refusal by the core, in plain words. Doors translate it (a HubException, a contract line).</summary>
public sealed class ChatException(ChatError error, string message) : Exception(message)
{
    public ChatError Error { get; } = error;

    public static ChatException UnknownGroup(int groupId) => new(ChatError.UnknownGroup, $"There is no group with id {groupId}");
    public static ChatException WrongPassword(int groupId) => new(ChatError.WrongPassword, $"Wrong password for group {groupId}");
    public static ChatException NotMember(int groupId) => new(ChatError.NotMember, $"You are not a member of group {groupId}");
    public static ChatException NameTaken(string name, int groupId) =>
        new(ChatError.NameTaken, $"The name \"{name}\" is already taken in group {groupId}, choose another");
    public static ChatException Unavailable() =>
        new(ChatError.Unavailable, "The chat service is unavailable right now, please try again in a moment");
}
