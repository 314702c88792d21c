using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using WebChat.Groups;

namespace WebChat.Gateway;

/// <summary>
/// One TCP user: the seed's dialogue (menu, name, group id, password, chat) as a small state machine over
/// the line framer. It calls the group core like the hub does and only translates results into contract lines.
/// </summary>
public sealed class TcpSession
{
    /// <summary>The seed client sends each input() without a newline: a pause this long ends the line.</summary>
    public static readonly TimeSpan SilenceGap = TimeSpan.FromMilliseconds(150);

    private enum State { Menu, JoinName, JoinGroupId, JoinPassword, JoinNameRetry, CreateName, CreatePassword, Chat }

    private readonly ConnectionContext _connection;
    private readonly ChatGroups _groups;
    private readonly GatewaySessions _sessions;
    private readonly ChatMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _menuIdle;
    private readonly Outbound _out;

    private State _state;
    private string? _name;
    private string? _password;
    private int _groupId;
    private TaskCompletionSource? _left;
    private ITimer? _timer;
    private Task? _writer;
    private volatile bool _stopping;
    private int _dropped;

    internal TcpSession(ConnectionContext connection, Member member, ChatGroups groups, GatewaySessions sessions,
        ChatMetrics metrics, ChatOptions options, TimeProvider time, ILogger log)
    {
        (_connection, Member, _groups, _sessions, _metrics, _time, _log) = (connection, member, groups, sessions, metrics, time, log);
        _menuIdle = TimeSpan.FromSeconds(Math.Max(1, options.Gateway.MenuIdleSeconds));
        _out = new Outbound(options.Limits.MaxUnsentBytes);
    }

    public Member Member { get; }

    public string ConnectionId => Member.ConnectionId;

    private bool InDialogue => _state != State.Chat;

    /// <summary>Runs the dialogue until the user leaves or the connection drops; the member is released before it returns.</summary>
    public async Task RunAsync()
    {
        _writer = _out.RunWriterAsync(_connection.Transport.Output);
        _sessions.Add(this);
        try
        {
            Send(GatewayTexts.Menu);
            await ReadLoopAsync(_connection.Transport.Input);
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
        if (_writer is null) return;
        try { await _writer.WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (TimeoutException) { _connection.Abort(new ConnectionAbortedException("The peer did not take its last output")); }
    }

    /// <summary>Queues bytes for this user; false (and the connection cut) when it has too much unsent.</summary>
    internal bool Enqueue(byte[] bytes)
    {
        if (_out.TryEnqueue(bytes)) return true;
        DropSlowReceiver();
        return false;
    }

    /// <summary>Called by the sink at this session's own Left event: everything before it is queued.</summary>
    internal void OnLeft(int groupId) => _left?.TrySetResult();

    /// <summary>Server shutdown: tell the user, stop reading, let the writer send what is queued.</summary>
    internal void Stop()
    {
        _stopping = true;
        Send(GatewayTexts.ShuttingDown);
        _out.Complete();
        _connection.Transport.Input.CancelPendingRead();
    }

    internal void Abort() => _connection.Abort(new ConnectionAbortedException("Server is shutting down"));

    private async Task ReadLoopAsync(PipeReader input)
    {
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

    private void ArmTimer(PipeReader input, TimeSpan? after)
    {
        if (after is not { } due) return;
        _timer ??= _time.CreateTimer(static s => ((PipeReader)s!).CancelPendingRead(), input, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    private ValueTask<bool> HandleAsync(LineStatus status, in ReadOnlySequence<byte> line)
    {
        if (status == LineStatus.Line) return HandleLineAsync(LineFramer.Decode(line));
        Send(GatewayTexts.LineTooLong);
        Prompt();
        return ValueTask.FromResult(true);
    }

    /// <summary>One line of input; false closes the connection.</summary>
    private async ValueTask<bool> HandleLineAsync(string line)
    {
        try
        {
            switch (_state)
            {
                case State.Menu:
                    return Menu(line.Trim());
                case State.JoinName or State.CreateName:
                    _name = Rules.ValidName(line);
                    _state = _state == State.JoinName ? State.JoinGroupId : State.CreatePassword;
                    Prompt();
                    break;
                case State.JoinGroupId:
                    await GroupIdAsync(line.Trim());
                    break;
                case State.JoinPassword:
                    _password = line;
                    await JoinAsync();
                    break;
                case State.JoinNameRetry:
                    _name = Rules.ValidName(line);
                    await JoinAsync();
                    break;
                case State.CreatePassword:
                    await CreateAsync(line);
                    break;
                case State.Chat:
                    await ChatAsync(line);
                    break;
            }
        }
        catch (ChatException e)
        {
            Refused(e);
        }
        return true;
    }

    private bool Menu(string choice)
    {
        switch (choice)
        {
            case "":
                return true;
            case "1":
                _state = State.JoinName;
                break;
            case "2":
                _state = State.CreateName;
                break;
            case "3":
                Send(GatewayTexts.ExitServer);
                return false;
            default:
                Send(GatewayTexts.InvalidOption);
                break;
        }
        Prompt();
        return true;
    }

    private async Task GroupIdAsync(string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 && await _groups.ExistsAsync(id))
        {
            _groupId = id;
            _state = State.JoinPassword;
        }
        else Send(GatewayTexts.NoSuchGroup);
        Prompt();
    }

    private async Task JoinAsync()
    {
        _out.Hold();
        JoinedGroup joined;
        try { joined = await _groups.JoinAsync(Member, _groupId, _name, _password); }
        catch { _out.Release(null); throw; }
        _password = null;
        Entered(joined, GatewayTexts.Connected(joined.GroupId));
    }

    private async Task CreateAsync(string password)
    {
        _out.Hold();
        JoinedGroup created;
        try { created = await _groups.CreateAsync(Member, _name, password); }
        catch { _out.Release(null); throw; }
        Entered(created, GatewayTexts.Created(created.GroupId));
    }

    /// <summary>The join's reply and history go out before any event held back meanwhile.</summary>
    private void Entered(JoinedGroup joined, string header)
    {
        _groupId = joined.GroupId;
        _state = State.Chat;
        var reply = new System.Text.StringBuilder(header);
        foreach (var message in joined.History) reply.Append(GatewayTexts.Chat(message.Sender, message.Text));
        if (!_out.Release(GatewayTexts.Bytes(reply.ToString()))) DropSlowReceiver();
    }

    private async Task ChatAsync(string line)
    {
        var command = line.Trim();
        if (command.Equals("Exit", StringComparison.OrdinalIgnoreCase) || command.Equals("/exit", StringComparison.OrdinalIgnoreCase))
        {
            var left = _left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await _groups.LeaveAsync(Member, _groupId);
            // Lines of the group from before the leave are queued by the time the sink sees it.
            await left.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _left = null;
            _state = State.Menu;
            Send(GatewayTexts.YouLeft);
            Prompt();
        }
        else if (command.Equals("/who", StringComparison.OrdinalIgnoreCase))
            Send(GatewayTexts.Bytes(GatewayTexts.Members(_groupId, await _groups.MembersAsync(_groupId))));
        else if (command.Equals("/help", StringComparison.OrdinalIgnoreCase))
            Send(GatewayTexts.Help);
        else if (command.Length > 0)
            await _groups.SendAsync(Member, _groupId, line);
    }

    private void Refused(ChatException e)
    {
        switch (e.Error)
        {
            case ChatError.WrongPassword:
                Send(GatewayTexts.WrongPassword);
                _state = State.JoinPassword;
                break;
            case ChatError.UnknownGroup:
                Send(GatewayTexts.NoSuchGroup);
                _state = State.JoinGroupId;
                break;
            case ChatError.InvalidName or ChatError.NameTaken:
                Notice(e);
                if (_state is State.JoinPassword) _state = State.JoinNameRetry;
                break;
            case ChatError.InvalidPassword or ChatError.Throttled or ChatError.TooFast or ChatError.MessageTooLong:
                Notice(e);
                break;
            default:
                // Not (or no longer) a member, or the store is unavailable: back to the menu.
                Notice(e);
                _state = State.Menu;
                break;
        }
        Prompt();
    }

    private void Prompt()
    {
        var prompt = _state switch
        {
            State.Menu => GatewayTexts.Menu,
            State.JoinName or State.JoinNameRetry or State.CreateName => GatewayTexts.EnterName,
            State.JoinGroupId => GatewayTexts.EnterGroupId,
            State.JoinPassword => GatewayTexts.EnterPassword,
            State.CreatePassword => GatewayTexts.EnterNewPassword,
            _ => null,
        };
        if (prompt is not null) Send(prompt);
    }

    private void Notice(ChatException e) => Send(GatewayTexts.Bytes(GatewayTexts.Notice(e.Message)));

    private void Send(byte[] bytes) => Enqueue(bytes);

    private void DropSlowReceiver()
    {
        if (Interlocked.Exchange(ref _dropped, 1) == 1) return;
        GatewayLog.SlowReceiver(_log, ConnectionId, Member.Address, _out.UnsentBytes);
        _metrics.SlowReceiverDropped(Door.Tcp);
        _connection.Abort(new ConnectionAbortedException("Too much unsent output: the receiver is not reading"));
    }

    private static bool IsDisconnect(Exception ex) =>
        ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException or OperationCanceledException;
}
