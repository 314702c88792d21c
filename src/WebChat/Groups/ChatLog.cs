namespace WebChat.Groups;

/// <summary>The structured events operators read (docs/operations.md). Never a password; message texts only at Debug.</summary>
internal static partial class ChatLog
{
    [LoggerMessage(1, LogLevel.Information, "Group {GroupId} created by {UserName} ({Door} {ConnectionId} from {Address})")]
    public static partial void GroupCreated(this ILogger log, int groupId, string userName, Door door, string connectionId, string address);

    [LoggerMessage(2, LogLevel.Information, "Group {GroupId} deleted: its last member left")]
    public static partial void GroupDeleted(this ILogger log, int groupId);

    [LoggerMessage(3, LogLevel.Information, "{UserName} joined group {GroupId} ({Door} {ConnectionId} from {Address})")]
    public static partial void Joined(this ILogger log, string userName, int groupId, Door door, string connectionId, string address);

    [LoggerMessage(4, LogLevel.Information, "{UserName} left group {GroupId} ({Reason})")]
    public static partial void Left(this ILogger log, string userName, int groupId, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Wrong password for group {GroupId} from {Address} ({Door} {ConnectionId})")]
    public static partial void PasswordRefused(this ILogger log, int groupId, string address, Door door, string connectionId);

    [LoggerMessage(6, LogLevel.Warning, "Join refused: too many wrong passwords from {Address} ({Door} {ConnectionId})")]
    public static partial void PasswordThrottled(this ILogger log, string address, Door door, string connectionId);

    [LoggerMessage(7, LogLevel.Information, "Message refused: {UserName} in group {GroupId} is sending too fast ({Door} {ConnectionId})")]
    public static partial void FloodRefused(this ILogger log, string userName, int groupId, Door door, string connectionId);

    [LoggerMessage(8, LogLevel.Information, "{UserName} rejoined group {GroupId} ({Door} {ConnectionId} from {Address})")]
    public static partial void Rejoined(this ILogger log, string userName, int groupId, Door door, string connectionId, string address);

    [LoggerMessage(9, LogLevel.Debug, "Message {MessageId} in group {GroupId} from {UserName}: {Text}")]
    public static partial void MessageAccepted(this ILogger log, long messageId, int groupId, string userName, string text);

    [LoggerMessage(10, LogLevel.Warning, "Refused: too many join attempts from {Address} ({Door} {ConnectionId}); further refusals of this run are not logged")]
    public static partial void AttemptsRefused(this ILogger log, string address, Door door, string connectionId);

    [LoggerMessage(11, LogLevel.Warning, "Create refused for {Address} ({Door} {ConnectionId}): {Reason}")]
    public static partial void CreateRefused(this ILogger log, string address, Door door, string connectionId, string reason);

    [LoggerMessage(12, LogLevel.Information, "{UserName} was removed from group {GroupId} by its owner {Owner}")]
    public static partial void RemovedByOwner(this ILogger log, string userName, int groupId, string owner);

    [LoggerMessage(13, LogLevel.Information, "The password of group {GroupId} was changed by its owner {Owner}")]
    public static partial void PasswordChanged(this ILogger log, int groupId, string owner);

    [LoggerMessage(14, LogLevel.Information, "{Owner} is now the owner of group {GroupId}")]
    public static partial void OwnerChanged(this ILogger log, string owner, int groupId);

    [LoggerMessage(15, LogLevel.Warning, "Rejoin refused: connection {ConnectionId} from {Address} is already {UserName} in group {GroupId} and tried to take over another member")]
    public static partial void TakeoverRefused(this ILogger log, string connectionId, string address, string userName, int groupId);

    [LoggerMessage(16, LogLevel.Warning, "Removed {UserName} of group {GroupId}: its connection {ConnectionId} is gone")]
    public static partial void OrphanRemoved(this ILogger log, string userName, int groupId, string connectionId);
}
