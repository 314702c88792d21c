namespace WebChat.Gateway;

/// <summary>What the gateway logs. Each connection's lines carry its scope: door, connection id and address.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(200, LogLevel.Information, "TCP gateway listening on {EndPoint} (port {Port})")]
    public static partial void Listening(ILogger log, string endPoint, int port);

    [LoggerMessage(201, LogLevel.Information, "TCP gateway disabled (Chat:Gateway:Enabled is false)")]
    public static partial void Disabled(ILogger log);

    [LoggerMessage(202, LogLevel.Information, "Connection opened: tcp {ConnectionId} from {Address}")]
    public static partial void Opened(ILogger log, string connectionId, string address);

    [LoggerMessage(203, LogLevel.Information, "Connection closed: tcp {ConnectionId} from {Address}")]
    public static partial void Closed(ILogger log, string connectionId, string address);

    [LoggerMessage(204, LogLevel.Warning, "Connection refused: tcp from {Address} already has {Limit} connections (Chat:Gateway:MaxConnectionsPerAddress)")]
    public static partial void TooManyConnections(ILogger log, string address, int limit);

    [LoggerMessage(206, LogLevel.Information, "Closing a connection idle in the menu for {Seconds} s (Chat:Gateway:MenuIdleSeconds)")]
    public static partial void IdleClosed(ILogger log, int seconds);

    [LoggerMessage(207, LogLevel.Information, "TCP gateway stopping; connections told that the server is shutting down: {Count}")]
    public static partial void Stopping(ILogger log, int count);

    [LoggerMessage(209, LogLevel.Information, "Line refused: longer than {Limit} bytes; discarded")]
    public static partial void LineTooLong(ILogger log, int limit);

    [LoggerMessage(208, LogLevel.Error, "TCP session failed")]
    public static partial void SessionFailed(ILogger log, Exception exception);
}
