namespace WebChat.Bench.Adapters;

/// <summary>
/// One connection's outgoing bytes. Callers only append (never blocking on the transport); one flush
/// loop at a time sends whatever has queued up as a single chunk, double-buffered so appends go on
/// while a chunk is in flight. Used by the raw TCP connections and the lean SignalR client alike.
/// </summary>
public sealed class SendQueue(Func<ReadOnlyMemory<byte>, ValueTask> send, Func<bool> isOpen, Action<Exception> failed)
{
    private readonly object _lock = new();
    private byte[] _pending = new byte[1024];
    private byte[] _spare = new byte[1024];
    private int _pendingLen;
    private bool _sending;
    private Task _flush = Task.CompletedTask;
    private long _pendingBytes;
    private long _lastEnqueueMs = Environment.TickCount64;

    /// <summary>Bytes queued or in flight.</summary>
    public long PendingBytes => Interlocked.Read(ref _pendingBytes);

    /// <summary>When bytes were last queued (Environment.TickCount64).</summary>
    public long LastEnqueueMs => Volatile.Read(ref _lastEnqueueMs);

    /// <summary>The flush loop now running (or a completed task).</summary>
    public Task Flushing { get { lock (_lock) return _flush; } }

    /// <summary>Queues <paramref name="a"/> then <paramref name="b"/> and starts a flush if none is running.</summary>
    public void Enqueue(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b = default)
    {
        if (!isOpen()) return;
        int total = a.Length + b.Length;
        lock (_lock)
        {
            if (_pendingLen + total > _pending.Length)
            {
                int size = _pending.Length;
                while (size < _pendingLen + total) size *= 2;
                Array.Resize(ref _pending, size);
            }
            a.CopyTo(_pending.AsSpan(_pendingLen));
            b.CopyTo(_pending.AsSpan(_pendingLen + a.Length));
            _pendingLen += total;
            Interlocked.Add(ref _pendingBytes, total);
            Volatile.Write(ref _lastEnqueueMs, Environment.TickCount64);
            if (_sending) return;
            _sending = true;
        }
        var flush = FlushAsync(); // sends the first chunk on this thread, as far as it completes synchronously
        lock (_lock) _flush = flush;
    }

    private async Task FlushAsync()
    {
        while (true)
        {
            byte[] chunk; int len;
            lock (_lock)
            {
                if (_pendingLen == 0 || !isOpen()) { _sending = false; return; }
                chunk = _pending; len = _pendingLen;
                _pending = _spare; _pendingLen = 0;
                _spare = chunk;
            }
            try
            {
                await send(chunk.AsMemory(0, len));
                Interlocked.Add(ref _pendingBytes, -len);
            }
            catch (Exception e)
            {
                lock (_lock) { _sending = false; }
                failed(e);
                return;
            }
        }
    }
}
