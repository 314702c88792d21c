using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> for the app (pass <see cref="Install"/> as WebChatApplication's services
/// callback) that also shows which timers are armed, so a test can wait (bounded, on real time) until the
/// server has armed the timer it is about to run out, then <see cref="FakeTimeProvider.Advance"/> time exactly:
/// a timer armed for 150 ms has not fired after 149 ms, and has after 150.
/// </summary>
public sealed class FakeClock : FakeTimeProvider
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private readonly List<WatchedTimer> _timers = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts at a fixed, round time (the fake's own default start).</summary>
    public FakeClock() { }

    /// <summary>Registers this clock as the app's <see cref="TimeProvider"/>, replacing the system clock.</summary>
    public void Install(IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(this);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var watched = new WatchedTimer(this);
        watched.Inner = base.CreateTimer(watched.Fire, (callback, state), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_lock) _timers.Add(watched);
        watched.Change(dueTime, period);
        return watched;
    }

    /// <summary>How many timers are armed to fire exactly <paramref name="fromNow"/> after the current fake time.</summary>
    public int ArmedFor(TimeSpan fromNow)
    {
        var at = GetUtcNow() + fromNow;
        lock (_lock) return _timers.Count(t => t.DueAt == at);
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> timers are armed to fire <paramref name="fromNow"/> from now.</summary>
    public async Task WaitUntilArmedAsync(TimeSpan fromNow, int count = 1, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            Task changed;
            lock (_lock) changed = _changed.Task;
            var armed = ArmedFor(fromNow);
            if (armed >= count) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException(
                    $"Only {armed} of {count} timers armed for {fromNow.TotalMilliseconds} ms within {limit.TotalSeconds} s; armed: {Describe()}");
        }
    }

    private string Describe()
    {
        var now = GetUtcNow();
        lock (_lock)
            return string.Join(", ", _timers.Where(t => t.DueAt is not null).Select(t => $"{(t.DueAt!.Value - now).TotalMilliseconds} ms"));
    }

    private void Changed()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private sealed class WatchedTimer(FakeClock clock) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        /// <summary>The fake time it fires at next; null while disarmed.</summary>
        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._lock)
            {
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
                _period = period;
            }
            var changed = Inner.Change(dueTime, period);
            clock.Changed();
            return changed;
        }

        public void Fire(object? state)
        {
            lock (clock._lock)
                DueAt = _period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero ? null : clock.GetUtcNow() + _period;
            clock.Changed();
            var (callback, inner) = ((TimerCallback, object?))state!;
            callback(inner);
        }

        public void Dispose()
        {
            lock (clock._lock)
            {
                DueAt = null;
                clock._timers.Remove(this);
            }
            Inner.Dispose();
            clock.Changed();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
