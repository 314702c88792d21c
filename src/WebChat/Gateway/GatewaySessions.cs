using System.Collections.Concurrent;

namespace WebChat.Gateway;

/// <summary>This node's open TCP sessions by connection id: the gateway adds them, the sink finds joiners here.</summary>
public sealed class GatewaySessions
{
    private readonly ConcurrentDictionary<string, TcpSession> _byId = new();

    internal void Add(TcpSession session) => _byId[session.ConnectionId] = session;

    internal void Remove(TcpSession session) => _byId.TryRemove(new KeyValuePair<string, TcpSession>(session.ConnectionId, session));

    internal bool TryGet(string connectionId, out TcpSession session) => _byId.TryGetValue(connectionId, out session!);

    internal ICollection<TcpSession> All => _byId.Values;

    public int Count => _byId.Count;
}

/// <summary>The gateway's bound port (useful when <c>Chat:Gateway:Port</c> is 0). 0 until the gateway listens.</summary>
public sealed class GatewayEndpoint
{
    public int Port { get; internal set; }

    /// <summary>The TLS port (<c>Chat:Gateway:TlsPort</c>); 0 when it is off or not listening yet.</summary>
    public int TlsPort { get; internal set; }
}
