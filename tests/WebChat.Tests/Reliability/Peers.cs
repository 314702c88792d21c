using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Gateway;
using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Reliability;

/// <summary>
/// A raw TCP user of the gateway that can come from any loopback address (127.0.0.0/8) and connect to any
/// port (the gateway itself or a <see cref="FaultProxy"/> in front of it). Lines are awaited with bounded timeouts.
/// </summary>
public sealed class TcpPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _receiving;
    private readonly List<string> _recent = [];

    private TcpPeer(Socket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveAsync);
    }

    public static int GatewayPort(WebChatApplication app)
    {
        _ = app.BaseAddress;
        return app.Get<GatewayEndpoint>().Port;
    }

    public static async Task<TcpPeer> ConnectAsync(int port, string from = "127.0.0.1")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(Timeout);
        return new TcpPeer(socket);
    }

    public static async Task<TcpPeer> ConnectToMenuAsync(int port, string from = "127.0.0.1")
    {
        var peer = await ConnectAsync(port, from);
        await peer.ExpectAsync(TcpChatClient.Menu);
        return peer;
    }

    public Socket Socket => _socket;

    public Task SendAsync(string line) => SendBytesAsync(Encoding.UTF8.GetBytes(line + "\n"));

    public async Task SendBytesAsync(ReadOnlyMemory<byte> bytes)
    {
        while (bytes.Length > 0) bytes = bytes[await _socket.SendAsync(bytes, SocketFlags.None)..];
    }

    /// <summary>The next line (without its newline), or null once the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            if (!await _lines.Reader.WaitToReadAsync(cts.Token)) return null;
            var line = await _lines.Reader.ReadAsync(cts.Token);
            lock (_recent) { _recent.Add(line); if (_recent.Count > 8) _recent.RemoveAt(0); }
            return line;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No line within {(timeout ?? Timeout).TotalSeconds} s; last lines: {Recent}");
        }
    }

    public async Task ExpectAsync(string text, TimeSpan? timeout = null)
    {
        foreach (var expected in text.TrimEnd('\n').Split('\n'))
        {
            var line = await ReadLineAsync(timeout);
            Assert.True(line == expected, $"Expected \"{expected}\" but got \"{line ?? "<closed>"}\"; last lines: {Recent}");
        }
    }

    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"No matching line; last lines: {Recent}");
            var line = await ReadLineAsync(left) ?? throw new InvalidOperationException($"Closed before a matching line; last lines: {Recent}");
            if (match(line)) return line;
        }
    }

    /// <summary>Lines until the server closes the connection (bounded).</summary>
    public async Task<List<string>> ReadUntilClosedAsync(TimeSpan? timeout = null)
    {
        var rest = new List<string>();
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (await ReadLineAsync(deadline - DateTime.UtcNow) is { } line) rest.Add(line);
        return rest;
    }

    public async Task<int> CreateGroupAsync(string name, string password)
    {
        await SendAsync("2");
        await ExpectAsync("Enter your name: \n");
        await SendAsync(name);
        await ExpectAsync("Enter password for the group: \n");
        await SendAsync(password);
        var first = await ReadLineAsync() ?? "<closed>";
        Assert.StartsWith("The id of the group is:", first);
        var id = int.Parse(first["The id of the group is:".Length..]);
        await ExpectAsync($"You're connected to group chat #{id}\nYou can start to talk!\n");
        return id;
    }

    /// <summary>Menu 1 up to the password prompt.</summary>
    public async Task StartJoinAsync(int groupId, string name)
    {
        await SendAsync("1");
        await ExpectAsync("Enter your name: \n");
        await SendAsync(name);
        await ExpectAsync("Enter group ID: \n");
        await SendAsync(groupId.ToString());
        await ExpectAsync("Enter password: \n");
    }

    /// <summary>Menu 1 with the right password; returns the history lines that came with the join.</summary>
    public async Task JoinGroupAsync(int groupId, string name, string password)
    {
        await StartJoinAsync(groupId, name);
        await SendAsync(password);
        await ExpectAsync($"You're connected to group chat #{groupId}\n");
    }

    /// <summary>Leaves the group with Exit and waits for the menu.</summary>
    public async Task ExitGroupAsync()
    {
        await SendAsync("Exit");
        await WaitForLineAsync(l => l == "You chose exit so you removed from the group. ");
        await ExpectAsync(TcpChatClient.Menu);
    }

    /// <summary>Drops the connection with a reset, no goodbye.</summary>
    public void Abort()
    {
        try { _socket.LingerState = new LingerOption(true, 0); } catch (Exception) { }
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { }
        _socket.Dispose();
        await _receiving.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private string Recent
    {
        get { lock (_recent) return string.Join(" | ", _recent); }
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
                    _lines.Writer.TryWrite(Encoding.UTF8.GetString(pending.ToArray()));
                    pending.Clear();
                    start = i + 1;
                }
                pending.AddRange(buffer.AsSpan(start, n - start));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        finally
        {
            if (pending.Count > 0) _lines.Writer.TryWrite(Encoding.UTF8.GetString(pending.ToArray()));
            _lines.Writer.TryComplete();
        }
    }
}

/// <summary>A real SignalR client on WebSockets to any port (the app or a <see cref="FaultProxy"/> in front of it).</summary>
public sealed class HubPeer : IAsyncDisposable
{
    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubPeer(HubConnection connection)
    {
        Connection = connection;
        connection.On<ChatMessage>("MessageReceived", m => { Messages.Add(m); Heard.Add(new HeardMessage(m)); });
        connection.On<int, string>("MemberJoined", (g, n) => Heard.Add(new HeardJoined(g, n)));
        connection.On<int, string>("MemberLeft", (g, n) => { Heard.Add(new HeardLeft(g, n)); Left.Add(n); });
        connection.Closed += e => { _closed.TrySetResult(e); return Task.CompletedTask; };
    }

    public HubConnection Connection { get; }
    public EventLog<Heard> Heard { get; } = new();

    /// <summary>The names of members heard leaving, in order.</summary>
    public SynchronizedList<string> Left { get; } = new();

    /// <summary>Every message heard, in arrival order (thread-safe snapshot with <see cref="Received"/>).</summary>
    private SynchronizedList<ChatMessage> Messages { get; } = new();

    public IReadOnlyList<ChatMessage> Received => Messages.Snapshot();

    public Task<Exception?> Closed => _closed.Task;

    public static async Task<HubPeer> ConnectAsync(int port)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl($"http://127.0.0.1:{port}/hubs/chat", o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();
        var peer = new HubPeer(connection);
        await connection.StartAsync().WaitAsync(TcpPeer.Timeout);
        return peer;
    }

    public static int Port(WebChatApplication app) => app.BaseAddress.Port;

    public Task<JoinedGroup> CreateGroup(string name, string password) => Connection.InvokeAsync<JoinedGroup>("CreateGroup", name, password);

    public Task<JoinedGroup> JoinGroup(int groupId, string name, string password) =>
        Connection.InvokeAsync<JoinedGroup>("JoinGroup", groupId, name, password);

    public Task<JoinedGroup> Rejoin(string token, long lastSeen) => Connection.InvokeAsync<JoinedGroup>("Rejoin", token, lastSeen);

    public Task LeaveGroup(int groupId) => Connection.InvokeAsync("LeaveGroup", groupId);

    public Task<ChatMessage?> Send(int groupId, string text) => Connection.InvokeAsync<ChatMessage?>("SendMessage", groupId, text);

    /// <summary>Waits (bounded) until at least <paramref name="count"/> messages were heard.</summary>
    public Task WaitForMessagesAsync(int count, TimeSpan? timeout = null) =>
        Messages.WaitForCountAsync(count, timeout ?? TcpPeer.Timeout);

    /// <summary>Waits (bounded) until a message matching <paramref name="match"/> was heard.</summary>
    public Task WaitForMessageAsync(Func<ChatMessage, bool> match, TimeSpan? timeout = null) =>
        Messages.WaitUntilAsync(list => list.Any(match), timeout ?? TcpPeer.Timeout, "matching message");

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

/// <summary>A list filled from callbacks, with a bounded wait for its size.</summary>
public sealed class SynchronizedList<T>
{
    private readonly List<T> _items = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Add(T item)
    {
        TaskCompletionSource changed;
        lock (_items)
        {
            _items.Add(item);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public int Count
    {
        get { lock (_items) return _items.Count; }
    }

    public List<T> Snapshot()
    {
        lock (_items) return [.. _items];
    }

    public Task WaitForCountAsync(int count, TimeSpan timeout) =>
        WaitUntilAsync(items => items.Count >= count, timeout, $"{count} items");

    /// <summary>Waits (bounded) until the items satisfy <paramref name="done"/>, re-checking at each addition.</summary>
    public async Task WaitUntilAsync(Func<List<T>, bool> done, TimeSpan timeout, string what = "the condition")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task changed;
            lock (_items)
            {
                if (done(_items)) return;
                changed = _changed.Task;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
                throw new TimeoutException($"No {what} within {timeout.TotalSeconds} s ({Count} items)");
        }
    }
}
