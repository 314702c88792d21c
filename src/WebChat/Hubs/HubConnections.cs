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
public sealed class HubConnections(ChatMetrics metrics, Microsoft.Extensions.Options.IOptions<ChatOptions> options, ILogger<HubOutbox> log)
{
    private readonly ConcurrentDictionary<string, HubOutbox> _outboxes = new();

    public void Add(HubConnectionContext connection) =>
        _outboxes[connection.ConnectionId] = new HubOutbox(connection, options.Value.Limits.MaxUnsentBytes, metrics, log);

    public void Remove(string connectionId)
    {
        if (_outboxes.TryRemove(connectionId, out var outbox)) outbox.Close();
    }

    public HubOutbox? Find(string connectionId) => _outboxes.GetValueOrDefault(connectionId);

    /// <summary>Every open connection (for shutdown).</summary>
    public IEnumerable<HubConnectionContext> All => _outboxes.Values.Select(o => o.Connection);
}

/// <summary>
/// Writes pre-serialized events to one connection and counts the bytes still waiting to be taken by it.
/// Past <c>Chat:Limits:MaxUnsentBytes</c> the connection is aborted: a stuck receiver delays no one and
/// holds bounded memory. SignalR keeps each connection's writes in the order they were started.
/// </summary>
public sealed class HubOutbox(HubConnectionContext connection, long maxUnsentBytes, ChatMetrics metrics, ILogger<HubOutbox> log)
{
    private long _unsent;
    private volatile bool _closed;

    public HubConnectionContext Connection => connection;
    public bool IsClosed => _closed;

    public void Close() => _closed = true;

    public void Send(SerializedHubMessage message)
    {
        if (_closed) return;
        var write = connection.WriteAsync(message);
        if (write.IsCompletedSuccessfully) return;
        var size = message.GetSerializedMessage(connection.Protocol).Length;
        var unsent = Interlocked.Add(ref _unsent, size);
        _ = CompleteAsync(write, size);
        if (unsent > maxUnsentBytes && !_closed)
        {
            _closed = true;
            log.LogWarning("Slow receiver: hub connection {ConnectionId} closed with {Unsent} bytes unsent", connection.ConnectionId, unsent);
            metrics.SlowReceiverDropped(Door.Hub);
            // Abort the socket itself: a send blocked on a peer that never reads would otherwise hold the close for seconds.
            connection.GetHttpContext()?.Abort();
            connection.Abort();
        }
    }

    private async Task CompleteAsync(ValueTask write, int size)
    {
        try { await write; }
        catch (Exception ex) when (ex is not OutOfMemoryException) { _closed = true; }
        finally { Interlocked.Add(ref _unsent, -size); }
    }
}
