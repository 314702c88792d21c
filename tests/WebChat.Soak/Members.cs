using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace WebChat.Soak;

/// <summary>A SignalR member that can drop its connection and come back with Rejoin(token, lastSeen), like the page.</summary>
public sealed class HubMember : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Uri _hub;
    private readonly Counters _counters;
    private readonly List<ChatMessage> _seen = [];
    private readonly Action<ChatMessage>? _onMessage;
    private HubConnection _connection = null!;
    private string _token = "";

    private HubMember(Uri hub, Counters counters, Action<ChatMessage>? onMessage) => (_hub, _counters, _onMessage) = (hub, counters, onMessage);

    public int GroupId { get; private set; }
    public string Name { get; private set; } = "";

    /// <summary>Everything shown to this member in this stay: the join's history, live messages and each rejoin's replay.</summary>
    public List<ChatMessage> Seen
    {
        get { lock (_seen) return [.. _seen]; }
    }

    public static async Task<HubMember> CreateGroupAsync(Uri hub, Counters counters, string name, Action<ChatMessage>? onMessage = null)
    {
        var member = new HubMember(hub, counters, onMessage);
        await member.ConnectAsync();
        member.Entered(await member._connection.InvokeAsync<JoinedGroup>("CreateGroup", name, "soak-pw").WaitAsync(Timeout));
        return member;
    }

    public static async Task<HubMember> JoinAsync(Uri hub, Counters counters, int groupId, string name, Action<ChatMessage>? onMessage = null)
    {
        var member = new HubMember(hub, counters, onMessage);
        await member.ConnectAsync();
        try { member.Entered(await member._connection.InvokeAsync<JoinedGroup>("JoinGroup", groupId, name, "soak-pw").WaitAsync(Timeout)); }
        catch { await member._connection.DisposeAsync(); throw; }
        return member;
    }

    /// <summary>Sends and books one text; false when the server refused it.</summary>
    public async Task SendAsync(Ledger ledger, string text)
    {
        ledger.Sending(text);
        try
        {
            await _connection.InvokeAsync<ChatMessage?>("SendMessage", GroupId, text).WaitAsync(Timeout);
            ledger.Owed(text);
            Interlocked.Increment(ref _counters.Sent);
        }
        catch (HubException)
        {
            Interlocked.Increment(ref _counters.Refused);
        }
        catch (Exception)
        {
            ledger.Maybe(text);
            Interlocked.Increment(ref _counters.Errors);
            await RejoinAsync();
        }
    }

    /// <summary>Drops the connection and comes back on a new one, from the last message seen.</summary>
    public async Task RejoinAsync()
    {
        await _connection.DisposeAsync();
        Interlocked.Increment(ref _counters.Drops);
        long lastSeen;
        int mark;
        lock (_seen) (lastSeen, mark) = (_seen.Count == 0 ? 0 : _seen[^1].Id, _seen.Count);
        await ConnectAsync();
        var back = await _connection.InvokeAsync<JoinedGroup>("Rejoin", _token, lastSeen).WaitAsync(Timeout);
        _token = back.RejoinToken;
        // Live messages after the rejoin can arrive before its result: the replay goes before them.
        lock (_seen) _seen.InsertRange(mark, back.History);
        Interlocked.Increment(ref _counters.Rejoins);
    }

    public async Task LeaveAsync()
    {
        await _connection.InvokeAsync("LeaveGroup", GroupId).WaitAsync(Timeout);
        Interlocked.Increment(ref _counters.Leaves);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private async Task ConnectAsync()
    {
        _connection = new HubConnectionBuilder()
            .WithUrl(_hub, o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; })
            .Build();
        _connection.On<ChatMessage>("MessageReceived", m =>
        {
            lock (_seen) _seen.Add(m);
            Interlocked.Increment(ref _counters.Delivered);
            _onMessage?.Invoke(m);
        });
        await _connection.StartAsync().WaitAsync(Timeout);
    }

    private void Entered(JoinedGroup joined)
    {
        (GroupId, Name, _token) = (joined.GroupId, joined.UserName, joined.RejoinToken);
        // Live messages after the join can arrive before its result: the history goes before them.
        lock (_seen) _seen.InsertRange(0, joined.History);
        Interlocked.Increment(ref _counters.Joins);
    }
}

/// <summary>A raw TCP user of the gateway: it speaks the menu dialogue and collects every line it is sent.</summary>
public sealed class TcpMember : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Counters _counters;
    private Task _receiving = Task.CompletedTask;

    private TcpMember(Counters counters) => _counters = counters;

    public string Name { get; private set; } = "";
    private List<string> Heard { get; } = [];

    /// <summary>The chat lines heard so far (the join's history, then live lines).</summary>
    public List<string> ChatLines
    {
        get { lock (Heard) return [.. Heard]; }
    }

    public static async Task<TcpMember> JoinAsync(int port, Counters counters, int groupId, string name)
    {
        var member = new TcpMember(counters) { Name = name };
        try
        {
            await member._socket.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
            member._receiving = Task.Run(member.ReceiveAsync);
            await member.UntilAsync(l => l == " 3. Exit the server. ");
            await member.SayAsync("1");
            await member.UntilAsync(l => l == "Enter your name: ");
            await member.SayAsync(name);
            await member.UntilAsync(l => l == "Enter group ID: ");
            await member.SayAsync(groupId.ToString());
            await member.UntilAsync(l => l == "Enter password: ");
            await member.SayAsync("soak-pw");
            await member.UntilAsync(l => l == $"You're connected to group chat #{groupId}");
        }
        catch
        {
            await member.DisposeAsync();
            throw;
        }
        Interlocked.Increment(ref counters.Joins);
        return member;
    }

    /// <summary>Sends a line; it counts as taken only when a later reply proves the gateway read it (see <see cref="ConfirmAsync"/>).</summary>
    public async Task SayAsync(string line)
    {
        ReadOnlyMemory<byte> bytes = Encoding.UTF8.GetBytes(line + "\n");
        while (bytes.Length > 0) bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None).AsTask().WaitAsync(Timeout)..];
    }

    /// <summary>Asks /who and waits for the answer: the gateway reads lines in order, so every line before it was taken.</summary>
    public async Task ConfirmAsync(int groupId)
    {
        await SayAsync("/who");
        await UntilAsync(l => l.StartsWith($"Members of group #{groupId}: ", StringComparison.Ordinal));
    }

    public async Task ExitAsync()
    {
        await SayAsync("Exit");
        await UntilAsync(l => l == "You chose exit so you removed from the group. ");
        Interlocked.Increment(ref _counters.Leaves);
    }

    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
        Interlocked.Increment(ref _counters.Leaves);
    }

    public async ValueTask DisposeAsync()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { }
        _socket.Dispose();
        await _receiving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Reads lines (keeping chat lines in <see cref="Heard"/>) until one matches.</summary>
    private async Task UntilAsync(Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var line = await _lines.Reader.ReadAsync(cts.Token);
            if (match(line)) return;
        }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[16 * 1024];
        var pending = new List<byte>();
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0) break;
                var start = 0;
                for (var i = 0; i < n; i++)
                {
                    if (buffer[i] != (byte)'\n') continue;
                    pending.AddRange(buffer.AsSpan(start, i - start));
                    var line = Encoding.UTF8.GetString([.. pending]);
                    pending.Clear();
                    start = i + 1;
                    if (line.Contains(": m|", StringComparison.Ordinal) || line.Contains(": fence|", StringComparison.Ordinal))
                    {
                        lock (Heard) Heard.Add(line);
                        Interlocked.Increment(ref _counters.Delivered);
                    }
                    else _lines.Writer.TryWrite(line);
                }
                pending.AddRange(buffer.AsSpan(start, n - start));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        finally { _lines.Writer.TryComplete(); }
    }
}
