namespace WebChat.Groups;

/// <summary>The structured events operators read (CONTRACT section 5). Never a password; message texts only at Debug.</summary>
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
}
