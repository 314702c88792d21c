using System.Diagnostics.Metrics;

namespace WebChat.Groups;

/// <summary>The <c>WebChat</c> meter: what operators watch (dotnet-counters, /metrics). Every door reports through it.</summary>
public sealed class ChatMetrics
{
    public const string MeterName = "WebChat";

    private readonly UpDownCounter<long> _connections;
    private readonly UpDownCounter<long> _groups;
    private readonly UpDownCounter<long> _members;
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _slowReceivers;
    private readonly Counter<long> _passwordFailures;

    public ChatMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _connections = meter.CreateUpDownCounter<long>("webchat.connections", "{connection}", "Open connections, by door");
        _groups = meter.CreateUpDownCounter<long>("webchat.groups", "{group}", "Live groups created on this node minus deleted on this node");
        _members = meter.CreateUpDownCounter<long>("webchat.members", "{member}", "Members joined on this node minus left on this node");
        _accepted = meter.CreateCounter<long>("webchat.messages.accepted", "{message}", "Messages accepted");
        _refused = meter.CreateCounter<long>("webchat.messages.refused", "{message}", "Messages refused, by reason");
        _deliveries = meter.CreateCounter<long>("webchat.deliveries", "{delivery}", "Events delivered to a connection, by door");
        _slowReceivers = meter.CreateCounter<long>("webchat.slow_receivers.dropped", "{connection}", "Connections closed for not reading, by door");
        _passwordFailures = meter.CreateCounter<long>("webchat.password.failures", "{attempt}", "Wrong passwords and throttled join attempts");
    }

    public void ConnectionOpened(Door door) => _connections.Add(1, Tag(door));
    public void ConnectionClosed(Door door) => _connections.Add(-1, Tag(door));
    public void GroupCreated() => _groups.Add(1);
    public void GroupDeleted() => _groups.Add(-1);
    public void MemberJoined(Door door) => _members.Add(1, Tag(door));
    public void MemberLeft(Door door) => _members.Add(-1, Tag(door));
    public void MessageAccepted(Door door) => _accepted.Add(1, Tag(door));
    public void MessageRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void Delivered(Door door, long count = 1) { if (count > 0) _deliveries.Add(count, Tag(door)); }
    public void SlowReceiverDropped(Door door) => _slowReceivers.Add(1, Tag(door));
    public void PasswordFailure(bool throttled) => _passwordFailures.Add(1, new KeyValuePair<string, object?>("throttled", throttled));

    private static KeyValuePair<string, object?> Tag(Door door) => new("door", door == Door.Hub ? "hub" : "tcp");
}
