using System.Threading.Channels;
using WebChat.Store;

namespace WebChat.Groups;

/// <summary>A door's delivery of group events to its own connections on this node. Called in each group's order; must not block.</summary>
public interface IGroupEventSink
{
    void Deliver(GroupEvent e);
}

/// <summary>
/// The per-node dispatcher (DESIGN.md section 4): takes each group's events in order and hands each one,
/// once, to every door sink. Groups are spread over a few shards by id; each shard is one reader, so a
/// group's order holds while different groups are delivered in parallel.
/// </summary>
public sealed class GroupEventDispatcher : IGroupEventPublisher, IAsyncDisposable
{
    private readonly Channel<GroupEvent>[] _shards;
    private readonly Task[] _readers;
    private readonly IGroupEventSink[] _sinks;
    private readonly ILogger<GroupEventDispatcher> _log;

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
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var e))
            {
                foreach (var sink in _sinks)
                {
                    try { sink.Deliver(e); }
                    catch (Exception ex) { _log.LogError(ex, "Sink {Sink} failed on event {Seq} of group {GroupId}", sink.GetType().Name, e.Seq, e.GroupId); }
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards) shard.Writer.TryComplete();
        await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
