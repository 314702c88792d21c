using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// One TCP user: a small state machine over the line framer (its dialogue is in TcpSession.Dialogue.cs) that
/// calls the group core like the hub does. This part reads and frames the input, applies the pause and idle
/// rules, and owns the connection's bounded output.
/// </summary>
public sealed partial class TcpSession
{
    /// <summary>The seed client sends each input() without a newline: a pause this long ends the line.</summary>
    public static readonly TimeSpan SilenceGap = TimeSpan.FromMilliseconds(150);

    private readonly ConnectionContext _connection;
    private readonly ChatGroups _groups;
    private readonly GatewaySessions _sessions;
    private readonly SlowReceiverPolicy _slowReceivers;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _menuIdle;
    private readonly Outbound _out;
    private readonly System.Net.Sockets.Socket? _socket;

    private ITimer? _timer;
    private bool _attached;
    private volatile bool _stopping;
    private int _dropped;

    /// <param name="socket">The connection's own socket on a plain TCP connection (output goes to it directly);
    /// null behind TLS, where output goes through the connection's pipe.</param>
    internal TcpSession(ConnectionContext connection, Member member, ChatGroups groups, GatewaySessions sessions,
        SlowReceiverPolicy slowReceivers, ChatOptions options, TimeProvider time, ILogger log, System.Net.Sockets.Socket? socket = null)
    {
        _socket = socket;
        (_connection, Member, _groups, _sessions, _slowReceivers, _time, _log) = (connection, member, groups, sessions, slowReceivers, time, log);
        _menuIdle = TimeSpan.FromSeconds(Math.Max(1, options.Gateway.MenuIdleSeconds));
        _out = new Outbound(slowReceivers);
    }

    public Member Member { get; }

    public string ConnectionId => Member.ConnectionId;

    private bool InDialogue => _state != State.Chat;

    /// <summary>Runs the dialogue until the user leaves or the connection drops; the member is released before it returns.</summary>
    public async Task RunAsync()
    {
        _out.Attach(_connection.Transport.Output, _socket);
        _attached = true;
        _sessions.Add(this);
        try
        {
            Send(GatewayTexts.Menu);
            // The read loop is written out here rather than in a method of its own: one async state machine per
            // idle connection instead of two.
            var input = _connection.Transport.Input;
            var discarding = false;
            long pending = 0;
            var lastData = _time.GetTimestamp();
            while (true)
            {
                ArmTimer(input, pending > 0 && !discarding ? SilenceGap : InDialogue ? _menuIdle - _time.GetElapsedTime(lastData) : null);
                var result = await input.ReadAsync();
                _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                var buffer = result.Buffer;
                if (_stopping)
                {
                    input.AdvanceTo(buffer.End);
                    return;
                }
                if (buffer.Length != pending) lastData = _time.GetTimestamp();

                var goOn = true;
                try
                {
                    while (goOn)
                    {
                        var status = LineFramer.TryReadLine(ref buffer, ref discarding, out var line);
                        if (status == LineStatus.NeedMore) break;
                        goOn = await HandleAsync(status, line);
                    }
                    if (goOn && buffer.Length > 0 && !discarding &&
                        (result.IsCompleted || (result.IsCanceled && _time.GetElapsedTime(lastData) >= SilenceGap)))
                    {
                        var status = LineFramer.TakePending(ref buffer, out var line);
                        goOn = await HandleAsync(status, line);
                    }
                    if (goOn && result.IsCanceled && InDialogue && _time.GetElapsedTime(lastData) >= _menuIdle)
                    {
                        GatewayLog.IdleClosed(_log, (int)_menuIdle.TotalSeconds);
                        Send(GatewayTexts.Bytes(GatewayTexts.IdleClosed((int)_menuIdle.TotalSeconds)));
                        goOn = false;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
                if (!goOn || result.IsCompleted) return;
                pending = buffer.Length;
            }
        }
        catch (Exception ex) when (IsDisconnect(ex)) { }
        finally
        {
            try { await _groups.ConnectionClosedAsync(Member, keepForGrace: false); }
            catch (Exception ex) { _log.LogWarning(ex, "Could not release the TCP member after its connection closed"); }
            _sessions.Remove(this);
            _timer?.Dispose();
        }
    }

    /// <summary>Sends what is still queued (a goodbye, the shutdown notice), then closes the output.</summary>
    public async Task CloseAsync()
    {
        _out.Complete();
        if (!_attached) return;
        try { await _out.Ended.WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (TimeoutException) { _connection.Abort(new ConnectionAbortedException("The peer did not take its last output")); }
    }

    /// <summary>Queues bytes for this user; false (and the connection cut) when it has too much unsent.</summary>
    internal bool Enqueue(byte[] bytes)
    {
        if (_out.TryEnqueue(bytes)) return true;
        DropSlowReceiver();
        return false;
    }

    /// <summary>Writes bytes for this user without sending them yet (the sink flushes at the end of a run); false
    /// (and the connection cut) when it has too much unsent.</summary>
    internal bool Write(byte[] bytes)
    {
        if (_out.TryWrite(bytes)) return true;
        DropSlowReceiver();
        return false;
    }

    /// <summary>Sends what <see cref="Write"/> put in.</summary>
    internal void FlushOutput() => _out.Flush();

    /// <summary>Called by the sink at this session's own Left event: everything before it is queued.</summary>
    internal void OnLeft(int groupId) => _left?.TrySetResult();

    /// <summary>Called by the sink when the owner removed this session's member: it is told, and is back in the menu.</summary>
    internal void OnRemoved(int groupId, string by)
    {
        if (_state != State.Chat || _groupId != groupId) return;
        _state = State.Menu;
        Send(GatewayTexts.Bytes(GatewayTexts.YouWereRemoved(by)));
        Send(GatewayTexts.Menu);
    }

    /// <summary>Server shutdown: tell the user, stop reading, let the writer send what is queued.</summary>
    internal void Stop()
    {
        _stopping = true;
        Send(GatewayTexts.ShuttingDown);
        _out.Complete();
        _connection.Transport.Input.CancelPendingRead();
    }

    internal void Abort() => _connection.Abort(new ConnectionAbortedException("Server is shutting down"));

    private void ArmTimer(PipeReader input, TimeSpan? after)
    {
        if (after is not { } due)
        {
            // In the chat with nothing pending no timer is needed: an idle member keeps none.
            _timer?.Dispose();
            _timer = null;
            return;
        }
        _timer ??= _time.CreateTimer(static s => ((PipeReader)s!).CancelPendingRead(), input, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    private ValueTask<bool> HandleAsync(LineStatus status, in ReadOnlySequence<byte> line)
    {
        if (status == LineStatus.Line) return HandleLineAsync(LineFramer.Decode(line));
        GatewayLog.LineTooLong(_log, LineFramer.MaxLineBytes);
        Send(GatewayTexts.LineTooLong);
        Prompt();
        return ValueTask.FromResult(true);
    }

    private void Send(byte[] bytes) => Enqueue(bytes);

    private void DropSlowReceiver()
    {
        if (Interlocked.Exchange(ref _dropped, 1) == 1) return;
        _slowReceivers.Dropped(Door.Tcp, ConnectionId, Member.Address, _out.UnsentBytes);
        _connection.Abort(new ConnectionAbortedException("Too much unsent output: the receiver is not reading"));
    }

    private static bool IsDisconnect(Exception ex) =>
        ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or OperationCanceledException
            or System.Net.Sockets.SocketException; // a dead peer's socket fails with ETIMEDOUT
}
