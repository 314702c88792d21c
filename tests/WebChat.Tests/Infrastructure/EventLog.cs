using System.Threading.Channels;

namespace WebChat.Tests.Infrastructure;

/// <summary>Collects events from a client and lets a test wait for them with a bounded timeout.</summary>
public sealed class EventLog<T>
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>();
    private readonly List<T> _seen = [];

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public void Add(T item) => _channel.Writer.TryWrite(item);

    /// <summary>Waits for the next event (fails after the timeout).</summary>
    public async Task<T> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            var item = await _channel.Reader.ReadAsync(cts.Token);
            _seen.Add(item);
            return item;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event within {(timeout ?? DefaultTimeout).TotalSeconds} s; seen so far: {string.Join(", ", _seen)}");
        }
    }

    /// <summary>Waits until an event matches, returning it (earlier ones are consumed).</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"No matching event; seen: {string.Join(", ", _seen)}");
            var item = await NextAsync(left);
            if (match(item)) return item;
        }
    }

    /// <summary>Takes exactly <paramref name="count"/> events.</summary>
    public async Task<List<T>> TakeAsync(int count, TimeSpan? timeout = null)
    {
        var list = new List<T>(count);
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (list.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Got {list.Count} of {count} events");
            list.Add(await NextAsync(left));
        }
        return list;
    }

    /// <summary>True if nothing arrives within a short quiet period (used after a marker proves delivery has caught up).</summary>
    public bool IsEmpty => !_channel.Reader.TryPeek(out _);
}
