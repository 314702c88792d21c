using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// A session's bounded output. Group events and the session's own replies arrive from several threads and are
/// sent in order under one lock, by the thread that brings them: no thread hop and no task per delivery. The
/// caller decides when to flush, so the sink writes a whole run of events and flushes each receiver once
/// (one send for the run when the node is busy, one per event when it is quiet).
/// On a plain TCP connection the bytes go to the socket itself, a non-blocking send per flush (one system call,
/// as a C server would make); what the kernel does not take waits in the queue while one asynchronous send
/// waits for room. Behind TLS (or without a socket) they go into the connection's pipe and its flush.
/// While a send waits on a peer that is not reading, or while a join is in progress, bytes wait in the queue.
/// Whatever is queued or not yet taken counts as unsent: the <see cref="SlowReceiverPolicy"/> decides from
/// that, and from whether a send is waiting on the peer, when the receiver is too slow.
/// </summary>
internal sealed class Outbound(SlowReceiverPolicy policy)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource? _done;  // made only when someone waits for the end (most never do before it)
    private bool _ended;
    private readonly Queue<byte[]> _queued = new(0);
    private List<byte[]>? _held;
    private PipeWriter? _output;
    private Socket? _socket;
    private int _headSent;      // socket mode: bytes of the queue's first array already sent
    private List<ArraySegment<byte>>? _gather;
    private bool _holding;
    private bool _flushing;
    private bool _completing;
    private bool _closed;
    private long _unwritten;    // bytes written into the pipe since its last flush began
    private long _unsent;       // bytes accepted and not yet taken by the kernel (or by the pipe, below its limit)
    private volatile bool _waitingOnPeer;

    public long UnsentBytes => Interlocked.Read(ref _unsent);

    /// <summary>Completes when the output is completed or the peer is gone.</summary>
    public Task Ended
    {
        get
        {
            lock (_lock) return _ended ? Task.CompletedTask : (_done ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    /// <summary>Accepts bytes without flushing (see <see cref="Flush"/>). False means the receiver has too much
    /// unsent and must be dropped; after close, bytes are ignored.</summary>
    public bool TryWrite(byte[] bytes)
    {
        if (Volatile.Read(ref _closed)) return true;
        var unsent = Interlocked.Add(ref _unsent, bytes.Length);
        if (policy.IsTooSlow(unsent, _waitingOnPeer)) return false;
        lock (_lock)
        {
            if (_closed) return true;
            if (_holding) (_held ??= []).Add(bytes);
            else Take(bytes);
        }
        return true;
    }

    /// <summary>Sends what was written since the last flush.</summary>
    public void Flush()
    {
        lock (_lock) FlushLocked();
    }

    /// <summary>Writes and flushes at once: the session's own replies.</summary>
    public bool TryEnqueue(byte[] bytes)
    {
        if (!TryWrite(bytes)) return false;
        Flush();
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
            if (_closed) return fits;
            if (reply is not null) Take(reply);
            TakeHeld();
            FlushLocked();
        }
        return fits;
    }

    /// <summary>No more output: what is queued is sent, then the socket's output is completed.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completing = true;
            if (_holding)
            {
                _holding = false;
                TakeHeld();
            }
            if (_output is null || _closed) return;
            FlushLocked();
        }
    }

    /// <summary>Attaches the connection's output (and its socket on a plain TCP connection: then bytes go to the
    /// socket itself and <paramref name="output"/> is only completed at the end); see <see cref="Ended"/>.</summary>
    public void Attach(PipeWriter output, Socket? socket = null)
    {
        lock (_lock)
        {
            _output = output;
            if (socket is not null)
            {
                try
                {
                    // Sends from this class never wait: what the kernel will not take now waits in the queue.
                    socket.Blocking = false;
                    _socket = socket;
                }
                catch (Exception ex) when (IsGone(ex)) { CloseLocked(); }
            }
            if (_socket is null) while (_queued.TryDequeue(out var bytes)) Put(bytes);
            FlushLocked();
        }
    }

    /// <summary>Bytes in order: into the pipe when it is free, else behind what waits.</summary>
    private void Take(byte[] bytes)
    {
        if (_flushing || _output is null || _socket is not null || _queued.Count > 0) _queued.Enqueue(bytes);
        else Put(bytes);
    }

    private void TakeHeld()
    {
        if (_held is null) return;
        foreach (var bytes in _held) Take(bytes);
        _held = null;
    }

    private void Put(byte[] bytes)
    {
        try
        {
            _output!.Write(bytes);
            _unwritten += bytes.Length;
        }
        catch (Exception ex) when (IsGone(ex)) { CloseLocked(); }
    }

    private void FlushLocked()
    {
        if (_socket is not null) SendLocked(_socket);
        else FlushPipeLocked();
    }

    private void SendLocked(Socket socket)
    {
        while (!_closed && !_flushing)
        {
            if (_queued.Count == 0)
            {
                if (_completing) CloseLocked();
                return;
            }
            int sent;
            SocketError error;
            try
            {
                if (_queued.Count == 1) sent = socket.Send(_queued.Peek().AsSpan(_headSent), SocketFlags.None, out error);
                else sent = socket.Send(Gather(), SocketFlags.None, out error);
            }
            catch (Exception ex) when (IsGone(ex)) { CloseLocked(); return; }
            if (sent > 0) Consume(sent);
            if (error == SocketError.Success) continue;
            if (error != SocketError.WouldBlock) { CloseLocked(); return; }
            // The kernel's buffer is full: one asynchronous send waits for room; later bytes queue behind it.
            _flushing = true;
            _waitingOnPeer = true;
            _ = SendWhenRoomAsync(socket, _queued.Peek(), _headSent);
            return;
        }
    }

    private List<ArraySegment<byte>> Gather()
    {
        var gather = _gather ??= [];
        gather.Clear();
        var first = true;
        foreach (var bytes in _queued)
        {
            gather.Add(first ? new ArraySegment<byte>(bytes, _headSent, bytes.Length - _headSent) : bytes);
            first = false;
            if (gather.Count == 64) break;
        }
        return gather;
    }

    private void Consume(int sent)
    {
        Interlocked.Add(ref _unsent, -sent);
        while (sent > 0)
        {
            var left = _queued.Peek().Length - _headSent;
            if (sent < left) { _headSent += sent; return; }
            sent -= left;
            _queued.Dequeue();
            _headSent = 0;
        }
    }

    private async Task SendWhenRoomAsync(Socket socket, byte[] head, int offset)
    {
        int sent;
        try { sent = await socket.SendAsync(head.AsMemory(offset), SocketFlags.None).ConfigureAwait(false); }
        catch (Exception ex) when (IsGone(ex)) { sent = -1; }
        lock (_lock)
        {
            _flushing = false;
            _waitingOnPeer = false;
            if (_closed) return;
            if (sent <= 0) { CloseLocked(); return; }
            Consume(sent);
            SendLocked(socket);
        }
    }

    private void FlushPipeLocked()
    {
        while (!_closed && !_flushing && _output is not null)
        {
            if (_unwritten == 0)
            {
                if (_completing && _queued.Count == 0) CloseLocked();
                return;
            }
            var batch = _unwritten;
            _unwritten = 0;
            ValueTask<FlushResult> pending;
            try { pending = _output.FlushAsync(); }
            catch (Exception ex) when (IsGone(ex)) { CloseLocked(); return; }
            if (!pending.IsCompleted)
            {
                _flushing = true;
                _waitingOnPeer = true;
                _ = AwaitFlushAsync(pending, batch);
                return;
            }
            bool gone;
            try { gone = IsEnd(pending.Result); }
            catch (Exception ex) when (IsGone(ex)) { gone = true; }
            if (!Flushed(gone, batch)) return;
        }
    }

    private async Task AwaitFlushAsync(ValueTask<FlushResult> pending, long batch)
    {
        bool gone;
        try { gone = IsEnd(await pending.ConfigureAwait(false)); }
        catch (Exception ex) when (IsGone(ex)) { gone = true; }
        lock (_lock)
        {
            _flushing = false;
            _waitingOnPeer = false;
            if (!Flushed(gone, batch)) return;
            while (_queued.TryDequeue(out var bytes)) Put(bytes);
            FlushPipeLocked();
        }
    }

    /// <summary>Accounts a finished flush; false (and closed) when the peer is gone.</summary>
    private bool Flushed(bool gone, long batch)
    {
        Interlocked.Add(ref _unsent, -batch);
        if (gone) CloseLocked();
        return !gone;
    }

    private static bool IsEnd(FlushResult result) => result.IsCompleted || result.IsCanceled;

    private void CloseLocked()
    {
        if (_closed) return;
        Volatile.Write(ref _closed, true);
        _queued.Clear();
        _held = null;
        _headSent = 0;
        var output = _output;
        if (output is null) { EndLocked(); return; }
        _ = CompleteOutputAsync(output);
    }

    private async Task CompleteOutputAsync(PipeWriter output)
    {
        try { await output.CompleteAsync().ConfigureAwait(false); }
        catch (Exception ex) when (IsGone(ex)) { }
        lock (_lock) EndLocked();
    }

    private void EndLocked()
    {
        _ended = true;
        _done?.TrySetResult();
    }

    private static bool IsGone(Exception ex) =>
        ex is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException or System.Net.Sockets.SocketException;
}
