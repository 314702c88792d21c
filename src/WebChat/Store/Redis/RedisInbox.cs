using System.Collections.Concurrent;
using System.Text;
using StackExchange.Redis;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// This node's one subscription: the events of every group with members here arrive on its inbox channel,
/// in each group's sequence order (one script publishes each event; one queue processes them in turn).
/// Each event goes to the dispatcher once: a repeat is dropped, and a gap (events published while the
/// subscription was re-established) is filled with the messages from the group's history.
/// </summary>
public sealed class RedisInbox(RedisNode node, RedisGroupStore store, IGroupEventPublisher publisher, LocalMemberships local,
    ILogger<RedisInbox> log)
{
    private const string ProbePrefix = "probe:";
    private static readonly byte[] ProbePrefixBytes = Encoding.UTF8.GetBytes(ProbePrefix);
    private readonly ConcurrentDictionary<int, (string Epoch, long Seq)> _last = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _probes = new();
    private ChannelMessageQueue? _queue;

    public async Task EnsureSubscribedAsync()
    {
        if (_queue is not null) return;
        var queue = await node.Connection.GetSubscriber().SubscribeAsync(node.Inbox);
        queue.OnMessage(HandleAsync);
        _queue = queue;
    }

    public async Task ResubscribeAsync()
    {
        var queue = Interlocked.Exchange(ref _queue, null);
        if (queue is not null)
            try { await queue.UnsubscribeAsync(); } catch (RedisException) { }
        await EnsureSubscribedAsync();
    }

    /// <summary>Publishes a probe to the inbox and waits for it to come back: proof that the subscription is live.</summary>
    public async Task<bool> ProbeAsync(TimeSpan timeout)
    {
        var id = Guid.NewGuid().ToString("N");
        var arrived = _probes[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await node.Database.PublishAsync(node.Inbox, ProbePrefix + id);
            await arrived.Task.WaitAsync(timeout);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or RedisException) { return false; }
        finally { _probes.TryRemove(id, out _); }
    }

    public long LastSeq(int groupId, string epoch) =>
        _last.TryGetValue(groupId, out var last) && last.Epoch == epoch ? last.Seq : 0;

    /// <summary>Delivers the messages of the group up to <paramref name="seq"/> that this node has not seen.</summary>
    public async Task CatchUpAsync(int groupId, string epoch, long seq)
    {
        await _gate.WaitAsync();
        try
        {
            var last = LastSeq(groupId, epoch);
            if (seq <= last) return;
            await FillAsync(groupId, last, seq);
            _last[groupId] = (epoch, seq);
        }
        finally { _gate.Release(); }
    }

    private async Task HandleAsync(ChannelMessage message)
    {
        var payload = (ReadOnlyMemory<byte>)message.Message;
        if (payload.Span.StartsWith(ProbePrefixBytes))
        {
            if (_probes.TryGetValue(Encoding.UTF8.GetString(payload.Span[ProbePrefixBytes.Length..]), out var probe)) probe.TrySetResult();
            return;
        }
        await _gate.WaitAsync();
        try { await DeliverAsync(WireEvent.Parse(payload.Span)); }
        catch (Exception ex) { log.LogError(ex, "Could not deliver a group event from Redis"); }
        finally { _gate.Release(); }
    }

    private async Task DeliverAsync(WireEvent e)
    {
        if (_last.TryGetValue(e.GroupId, out var last) && last.Epoch == e.Epoch)
        {
            if (e.Seq <= last.Seq) return;
            if (e.Seq > last.Seq + 1 && local.All().Any(m => m.Membership.GroupId == e.GroupId))
            {
                log.LogWarning("Events {From}-{To} of group {GroupId} did not arrive; delivering its messages from the history",
                    last.Seq + 1, e.Seq - 1, e.GroupId);
                await FillAsync(e.GroupId, last.Seq, e.Seq - 1);
            }
        }
        publisher.Publish(e.ToGroupEvent());
        // Keep the hash this node would restore the group with (if Redis lost it) up to date.
        if (e.Kind == nameof(GroupEventKind.PasswordChanged)) _ = RefreshSecretAsync(e.GroupId);
        if (e.GroupDeleted == 1) _last.TryRemove(e.GroupId, out _);
        else _last[e.GroupId] = (e.Epoch, e.Seq);
    }

    private async Task RefreshSecretAsync(int groupId)
    {
        try { await store.GetSecretAsync(groupId); }
        catch (ChatException) { }
    }

    private async Task FillAsync(int groupId, long after, long upTo)
    {
        RedisValue[] entries;
        try { entries = await node.Database.ListRangeAsync(node.Options.KeyPrefix + "g:" + groupId + ":h"); }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            log.LogWarning("Could not read the history of group {GroupId} to fill a gap: {Reason}", groupId, ex.Message);
            return;
        }
        foreach (var entry in entries)
        {
            var e = WireEvent.Parse(((ReadOnlyMemory<byte>)entry).Span);
            if (e.Seq > after && e.Seq <= upTo) publisher.Publish(e.ToGroupEvent());
        }
    }
}
