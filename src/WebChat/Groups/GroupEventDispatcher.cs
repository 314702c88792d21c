using System.Threading.Channels;

namespace WebChat.Groups;

/// <summary>Receives each group's events in sequence order: the store calls it inside the step that assigned the sequence number.</summary>
public interface IGroupEventPublisher
{
    void Publish(GroupEvent e);
}

/// <summary>
/// A door's delivery of group events to its own connections on this node. Called with a run of events
/// in each group's order (events of several groups may be interleaved); must not block. A sink may write
/// a run to a connection as one write: that is how a busy node batches its fan-out.
/// </summary>
public interface IGroupEventSink
{
    void Deliver(ReadOnlySpan<GroupEvent> events);
}

/// <summary>
/// The per-node dispatcher (docs/architecture.md): takes each group's events in order and hands each one,
/// once, to every door sink. Groups are spread over a few shards by id; each shard is one reader, so a
/// group's order holds while different groups are delivered in parallel.
/// </summary>
public sealed class GroupEventDispatcher : IGroupEventPublisher, IAsyncDisposable
{
    private readonly Channel<GroupEvent>[] _shards;
    private readonly Task[] _readers;
    private readonly IGroupEventSink[] _sinks;
    private readonly ILogger<GroupEventDispatcher> _log;

    /// <summary>The most events handed to the sinks at once; bounds what a run adds to the first event's latency.</summary>
    internal const int MaxRun = 64;

    public GroupEventDispatcher(IEnumerable<IGroupEventSink> sinks, ILogger<GroupEventDispatcher> log)
    {
        _sinks = sinks.ToArray();
        _log = log;
        var count = Math.Clamp(Environment.ProcessorCount, 1, 16);
        _shards = new Channel<GroupEvent>[count];
        _readers = new Task[count];
        for (var i = 0; i < count; i++)
        {
            _shards[i] = Channel.CreateUnbounded<GroupEvent>(new UnboundedChannelOptions { SingleReader = true });
            var reader = _shards[i].Reader;
            _readers[i] = Task.Run(() => RunAsync(reader));
        }
    }

    public void Publish(GroupEvent e) => _shards[(uint)e.GroupId % (uint)_shards.Length].Writer.TryWrite(e);

    private async Task RunAsync(ChannelReader<GroupEvent> reader)
    {
        // What has queued up while the last run was delivered goes out as the next run: one event when
        // the node is quiet, up to MaxRun when it is busy, so the sinks can batch writes exactly when it pays.
        var run = new GroupEvent[MaxRun];
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            int count;
            do
            {
                count = 0;
                while (count < run.Length && reader.TryRead(out var e)) run[count++] = e;
                if (count == 0) break;
                var events = run.AsSpan(0, count);
                foreach (var sink in _sinks)
                {
                    try { sink.Deliver(events); }
                    catch (Exception ex)
                    {
                        _log.LogError(ex, "Sink {Sink} failed on a run of {Count} events from event {Seq} of group {GroupId}",
                            sink.GetType().Name, count, events[0].Seq, events[0].GroupId);
                    }
                }
                events.Clear();
            } while (count == run.Length);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards) shard.Writer.TryComplete();
        await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
