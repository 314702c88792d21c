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

    [LoggerMessage(210, LogLevel.Error, "TCP gateway could not accept a connection on port {Port}; retrying in {DelayMs} ms")]
    public static partial void AcceptFailed(ILogger log, Exception exception, int port, int delayMs);

    [LoggerMessage(211, LogLevel.Information, "TCP gateway (TLS) listening on {EndPoint} (port {Port}), certificate {Subject} valid until {NotAfter:u}")]
    public static partial void ListeningTls(ILogger log, string endPoint, int port, string subject, DateTime notAfter);

    [LoggerMessage(212, LogLevel.Information, "TLS certificate reloaded from disk: {Subject}, valid until {NotAfter:u}")]
    public static partial void CertificateReloaded(ILogger log, string subject, DateTime notAfter);

    [LoggerMessage(213, LogLevel.Warning, "TLS certificate on disk changed but was not loaded; the previous one stays in use: {Reason}")]
    public static partial void CertificateNotReloaded(ILogger log, string reason);

    [LoggerMessage(214, LogLevel.Information, "TLS handshake failed: tcp from {Address}: {Reason}")]
    public static partial void HandshakeFailed(ILogger log, string address, string reason);

    [LoggerMessage(215, LogLevel.Warning, "Connection closed: tcp from {Address}, which is not a known proxy (Chat:Gateway:ProxyProtocol is on; see Chat:Security:KnownProxies)")]
    public static partial void NotFromProxy(ILogger log, string address);

    [LoggerMessage(216, LogLevel.Warning, "Connection closed: tcp from proxy {Address} sent no valid PROXY header ({Reason})")]
    public static partial void NoProxyHeader(ILogger log, string address, string reason);

    [LoggerMessage(217, LogLevel.Warning, "Chat:Gateway:ProxyProtocol is on but Chat:Security:KnownProxies is empty: every gateway connection will be closed")]
    public static partial void ProxyProtocolWithoutProxies(ILogger log);
}
