using Microsoft.Extensions.Options;

namespace WebChat.Groups;

/// <summary>
/// The slow-receiver rule of every door. Each door measures, per connection, how many bytes it has accepted but
/// not yet handed to the socket (unsent) and whether its writer is waiting on the socket right now (the peer is
/// not taking data). Past <c>Chat:Limits:MaxUnsentBytes</c> while waiting on the peer, the receiver is too slow:
/// the connection is closed and logged, and its member leaves as usual. A backlog that only means the server
/// itself fell behind for a moment (a GC or JIT pause at a very high rate, while the socket takes every byte)
/// cuts no one; past four times the limit the connection is cut whatever the reason, so memory stays bounded.
/// </summary>
public sealed partial class SlowReceiverPolicy
{
    /// <summary>Unsent output past this many times the limit is cut even while the peer is taking data.</summary>
    public const int HardCapFactor = 4;

    private readonly ChatMetrics? _metrics;
    private readonly ILogger? _log;

    public SlowReceiverPolicy(IOptions<ChatOptions> options, ChatMetrics metrics, ILogger<SlowReceiverPolicy> log)
        : this(options.Value.Limits.MaxUnsentBytes) => (_metrics, _log) = (metrics, log);

    /// <summary>The rule alone, without logs or metrics (for a test).</summary>
    internal SlowReceiverPolicy(long maxUnsentBytes) => MaxUnsentBytes = maxUnsentBytes;

    public long MaxUnsentBytes { get; }

    /// <summary>True when a connection with <paramref name="unsentBytes"/> unsent must be cut.</summary>
    public bool IsTooSlow(long unsentBytes, bool waitingOnPeer) =>
        unsentBytes > MaxUnsentBytes && (waitingOnPeer || unsentBytes > HardCapFactor * MaxUnsentBytes);

    /// <summary>Logs and counts a connection the door is about to close for being too slow.</summary>
    public void Dropped(Door door, string connectionId, string address, long unsentBytes)
    {
        if (_log is not null) SlowReceiver(_log, door == Door.Tcp ? "tcp" : "hub", connectionId, address, unsentBytes);
        _metrics?.SlowReceiverDropped(door);
    }

    [LoggerMessage(17, LogLevel.Warning, "Slow receiver dropped: {Door} {ConnectionId} from {Address} had {UnsentBytes} bytes unsent (Chat:Limits:MaxUnsentBytes)")]
    private static partial void SlowReceiver(ILogger log, string door, string connectionId, string address, long unsentBytes);
}
