using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Gateway;
using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Reliability;

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
        await connection.StartAsync().WaitAsync(TcpChatClient.DefaultTimeout);
        return peer;
    }

    public static int Port(WebApplicationFactory<Program> app)
    {
        app.StartServer();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1")).Port;
    }

    public Task<JoinedGroup> CreateGroup(string name, string password) => Connection.InvokeAsync<JoinedGroup>("CreateGroup", name, password);

    public Task<JoinedGroup> JoinGroup(int groupId, string name, string password) =>
        Connection.InvokeAsync<JoinedGroup>("JoinGroup", groupId, name, password);

    public Task<JoinedGroup> Rejoin(string token, long lastSeen) => Connection.InvokeAsync<JoinedGroup>("Rejoin", token, lastSeen);

    public Task LeaveGroup(int groupId) => Connection.InvokeAsync("LeaveGroup", groupId);

    public Task<ChatMessage?> Send(int groupId, string text) => Connection.InvokeAsync<ChatMessage?>("SendMessage", groupId, text);

    /// <summary>Waits (bounded) until at least <paramref name="count"/> messages were heard.</summary>
    public Task WaitForMessagesAsync(int count, TimeSpan? timeout = null) =>
        Messages.WaitForCountAsync(count, timeout ?? TcpChatClient.DefaultTimeout);

    /// <summary>Waits (bounded) until a message matching <paramref name="match"/> was heard.</summary>
    public Task WaitForMessageAsync(Func<ChatMessage, bool> match, TimeSpan? timeout = null) =>
        Messages.WaitUntilAsync(list => list.Any(match), timeout ?? TcpChatClient.DefaultTimeout, "matching message");

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
