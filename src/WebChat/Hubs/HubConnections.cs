using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>
/// SignalR's default (local) lifetime manager, which also keeps an outbox for each of this node's hub
/// connections so that the hub sink can write to them directly and see who is not reading.
/// </summary>
public sealed class TrackingHubLifetimeManager(HubConnections connections, ILogger<DefaultHubLifetimeManager<ChatHub>> log)
    : DefaultHubLifetimeManager<ChatHub>(log)
{
    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        connections.Add(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        connections.Remove(connection.ConnectionId);
        return base.OnDisconnectedAsync(connection);
    }
}

/// <summary>This node's hub connections by id.</summary>
public sealed class HubConnections(SlowReceiverPolicy slowReceivers)
{
    private readonly ConcurrentDictionary<string, HubOutbox> _outboxes = new();

    public void Add(HubConnectionContext connection) => _outboxes[connection.ConnectionId] = new HubOutbox(connection, slowReceivers);

    public void Remove(string connectionId)
    {
        if (_outboxes.TryRemove(connectionId, out var outbox)) outbox.Close();
    }

    public HubOutbox? Find(string connectionId) => _outboxes.GetValueOrDefault(connectionId);

    /// <summary>Every open connection (for shutdown).</summary>
    public IEnumerable<HubConnectionContext> All => _outboxes.Values.Select(o => o.Connection);
}

/// <summary>
/// Writes pre-serialized events to one connection, one write at a time, in order, measured like the TCP door's
/// output: a write that does not complete at once (SignalR's pipe to the socket is full: the peer is not taking
/// data) holds the next events in a queue, and those plus the write count as unsent. The
/// <see cref="SlowReceiverPolicy"/> decides from the two when the connection is cut: a stuck receiver delays no
/// one and holds bounded memory. While the connection keeps up, each event is written at once, with no queue.
/// </summary>
public sealed class HubOutbox
{
    // An outbox lives as long as its connection, so it holds no more than it needs: the connection itself (no
    // delegates over it) and no address until a cut needs one for the log.
    private readonly HubConnectionContext? _connection;
    private readonly Peer? _peer;
    private readonly SlowReceiverPolicy _policy;
    private readonly Lock _lock = new();
    private Queue<(SerializedHubMessage Message, int Size)>? _backlog;
    private bool _writing;
    private long _unsent;
    private volatile bool _waitingOnPeer;
    private volatile bool _closed;

    public HubOutbox(HubConnectionContext connection, SlowReceiverPolicy policy) => (_connection, _policy) = (connection, policy);

    /// <summary>An outbox over any writer (for a test): <paramref name="abort"/> is what cutting the connection does.</summary>
    internal HubOutbox(string connectionId, string address, SlowReceiverPolicy policy,
        Func<SerializedHubMessage, ValueTask> write, Func<SerializedHubMessage, int> size, Action abort)
        => (_peer, _policy) = (new Peer(connectionId, address, write, size, abort), policy);

    private sealed record Peer(string ConnectionId, string Address,
        Func<SerializedHubMessage, ValueTask> Write, Func<SerializedHubMessage, int> Size, Action Abort);

    private ValueTask Write(SerializedHubMessage message) => _peer is null ? _connection!.WriteAsync(message) : _peer.Write(message);

    private int SizeOf(SerializedHubMessage message) =>
        _peer is null ? message.GetSerializedMessage(_connection!.Protocol).Length : _peer.Size(message);

    public HubConnectionContext Connection => _connection!;
    public bool IsClosed => _closed;
    public long UnsentBytes => Interlocked.Read(ref _unsent);

    public void Close()
    {
        _closed = true;
        lock (_lock) _backlog = null;
    }

    public void Send(SerializedHubMessage message)
    {
        if (_closed) return;
        long unsent;
        lock (_lock)
        {
            if (!_writing)
            {
                var write = Write(message);
                if (write.IsCompletedSuccessfully) return;
                var size = SizeOf(message);
                unsent = Interlocked.Add(ref _unsent, size);
                _writing = true;
                _waitingOnPeer = true;
                _ = WriteOnAsync(write, size);
            }
            else
            {
                var size = SizeOf(message);
                (_backlog ??= new()).Enqueue((message, size));
                unsent = Interlocked.Add(ref _unsent, size);
            }
        }
        if (_policy.IsTooSlow(unsent, _waitingOnPeer)) Cut(unsent);
    }

    /// <summary>Waits for the write in progress (the peer not taking data), then writes what queued up meanwhile.</summary>
    private async Task WriteOnAsync(ValueTask write, int size)
    {
        while (true)
        {
            try { await write.ConfigureAwait(false); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { Close(); }
            _waitingOnPeer = false;
            Interlocked.Add(ref _unsent, -size);
            lock (_lock)
            {
                if (_closed || _backlog is not { Count: > 0 })
                {
                    _writing = false;
                    return;
                }
                (var next, size) = _backlog.Dequeue();
                write = Write(next);
                if (!write.IsCompleted) _waitingOnPeer = true;
            }
        }
    }

    private void Cut(long unsent)
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            _backlog = null;
        }
        if (_peer is not null)
        {
            _policy.Dropped(Door.Hub, _peer.ConnectionId, _peer.Address, unsent);
            _peer.Abort();
            return;
        }
        var connection = _connection!;
        var http = connection.GetHttpContext();
        _policy.Dropped(Door.Hub, connection.ConnectionId, http is null ? "unknown" : ChatHub.AddressOf(http), unsent);
        // Abort the socket itself: a send blocked on a peer that never reads would otherwise hold the close for seconds.
        http?.Abort();
        connection.Abort();
    }
}
