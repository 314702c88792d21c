using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// A session's bounded outbound queue and its single writer. Group events and the session's own replies
/// arrive from several threads; one loop writes them to the socket in order. Whatever is queued or
/// waiting in the socket's pipe counts as unsent, and the writer waiting on a flush means the peer is not
/// taking data: the <see cref="SlowReceiverPolicy"/> decides from those two when the receiver is too slow.
/// </summary>
internal sealed class Outbound(SlowReceiverPolicy policy)
{
    private const int BatchBytes = 32 * 1024;

    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Lock _lock = new();
    private List<byte[]>? _held;
    private bool _holding;
    private bool _closed;
    private long _unsent;
    private volatile bool _waitingOnPeer;

    public long UnsentBytes => Interlocked.Read(ref _unsent);

    /// <summary>Queues bytes. False means the receiver has too much unsent and must be dropped; after close, bytes are ignored.</summary>
    public bool TryEnqueue(byte[] bytes)
    {
        if (Volatile.Read(ref _closed)) return true;
        var unsent = Interlocked.Add(ref _unsent, bytes.Length);
        if (policy.IsTooSlow(unsent, _waitingOnPeer)) return false;
        lock (_lock)
        {
            if (_holding) (_held ??= []).Add(bytes);
            else _queue.Writer.TryWrite(bytes);
        }
        return true;
    }

    /// <summary>Keeps group events back while a join is in progress, so the join's reply and history come first.</summary>
    public void Hold()
    {
        lock (_lock) _holding = true;
    }

    /// <summary>Sends <paramref name="reply"/>, then what was held back.</summary>
    public bool Release(byte[]? reply)
    {
        var fits = reply is null || Volatile.Read(ref _closed) || !policy.IsTooSlow(Interlocked.Add(ref _unsent, reply.Length), _waitingOnPeer);
        lock (_lock)
        {
            _holding = false;
            if (reply is not null) _queue.Writer.TryWrite(reply);
            if (_held is null) return fits;
            foreach (var bytes in _held) _queue.Writer.TryWrite(bytes);
            _held = null;
        }
        return fits;
    }

    /// <summary>No more output: the writer sends what is queued, then completes the socket's output.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _holding = false;
            if (_held is not null)
                foreach (var bytes in _held) _queue.Writer.TryWrite(bytes);
            _held = null;
        }
        _queue.Writer.TryComplete();
    }

    public async Task RunWriterAsync(PipeWriter output)
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                long batch = 0;
                while (batch < BatchBytes && reader.TryRead(out var bytes))
                {
                    output.Write(bytes);
                    batch += bytes.Length;
                }
                var pending = output.FlushAsync();
                FlushResult flush;
                if (pending.IsCompleted) flush = pending.Result;
                else
                {
                    _waitingOnPeer = true;
                    flush = await pending.ConfigureAwait(false);
                    _waitingOnPeer = false;
                }
                Interlocked.Add(ref _unsent, -batch);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
                                     or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The peer is gone; the read side ends the session.
        }
        finally
        {
            Volatile.Write(ref _closed, true);
            _queue.Writer.TryComplete();
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }
}
