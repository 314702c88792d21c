using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;

namespace WebChat.Tests.Infrastructure;

/// <summary>What a SignalR client hears, as one ordered log.</summary>
public abstract record Heard;
public sealed record HeardMessage(ChatMessage Message) : Heard;
public sealed record HeardJoined(int GroupId, string UserName) : Heard;
public sealed record HeardLeft(int GroupId, string UserName) : Heard;
public sealed record HeardRemovedFromGroup(int GroupId, string By) : Heard;
public sealed record HeardMemberRemoved(int GroupId, string UserName, string By) : Heard;
public sealed record HeardPasswordChanged(int GroupId, string By) : Heard;
public sealed record HeardOwnerChanged(int GroupId, string Owner) : Heard;

/// <summary>A real SignalR client of /hubs/chat with typed calls and a log of everything it heard.</summary>
public sealed class ChatClient : IAsyncDisposable
{
    public HubConnection Connection { get; }
    public EventLog<Heard> Heard { get; } = new();

    private ChatClient(HubConnection connection, bool moderation = false)
    {
        Connection = connection;
        connection.On<ChatMessage>("MessageReceived", m => Heard.Add(new HeardMessage(m)));
        connection.On<int, string>("MemberJoined", (g, n) => Heard.Add(new HeardJoined(g, n)));
        connection.On<int, string>("MemberLeft", (g, n) => Heard.Add(new HeardLeft(g, n)));
        if (!moderation) return;
        connection.On<int, string>("RemovedFromGroup", (g, by) => Heard.Add(new HeardRemovedFromGroup(g, by)));
        connection.On<int, string, string>("MemberRemoved", (g, n, by) => Heard.Add(new HeardMemberRemoved(g, n, by)));
        connection.On<int, string>("PasswordChanged", (g, by) => Heard.Add(new HeardPasswordChanged(g, by)));
        connection.On<int, string>("OwnerChanged", (g, owner) => Heard.Add(new HeardOwnerChanged(g, owner)));
    }

    /// <summary>
    /// A connected client; <paramref name="via"/> reaches the hub through another address (a proxy), from the
    /// loopback address <paramref name="from"/> when given. With <paramref name="moderation"/> it also hears the
    /// owner's events (removals, password and owner changes).
    /// </summary>
    public static async Task<ChatClient> ConnectAsync(WebChatApplication app, Action<IHubConnectionBuilder>? configure = null,
        Uri? via = null, string? from = null, bool moderation = false)
    {
        var client = new ChatClient(await app.ConnectAsync(configure, via, from).ConfigureAwait(false), moderation);
        return client;
    }

    /// <summary>Connects to a node at <paramref name="baseAddress"/> (a node run as its own process) over WebSockets, like the browser.</summary>
    public static async Task<ChatClient> ConnectAsync(Uri baseAddress) => new(await ConnectHubAsync(baseAddress));

    /// <summary>A started bare hub connection to a node at <paramref name="baseAddress"/>, over WebSockets.</summary>
    public static async Task<HubConnection> ConnectHubAsync(Uri baseAddress)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/chat"), o =>
            {
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return connection;
    }

    public Task<JoinedGroup> CreateGroup(string name, string password) =>
        Connection.InvokeAsync<JoinedGroup>("CreateGroup", name, password);

    public Task<JoinedGroup> JoinGroup(int groupId, string name, string password) =>
        Connection.InvokeAsync<JoinedGroup>("JoinGroup", groupId, name, password);

    public Task<JoinedGroup> Rejoin(string token, long lastSeen) =>
        Connection.InvokeAsync<JoinedGroup>("Rejoin", token, lastSeen);

    public Task LeaveGroup(int groupId) => Connection.InvokeAsync("LeaveGroup", groupId);

    public Task<ChatMessage?> Send(int groupId, string text) =>
        Connection.InvokeAsync<ChatMessage?>("SendMessage", groupId, text);

    public Task RemoveMember(int groupId, string userName) => Connection.InvokeAsync("RemoveMember", groupId, userName);

    public Task ChangePassword(int groupId, string newPassword) => Connection.InvokeAsync("ChangePassword", groupId, newPassword);

    public Task TransferOwnership(int groupId, string userName) => Connection.InvokeAsync("TransferOwnership", groupId, userName);

    public Task<GroupSummary[]> ListGroups() => Connection.InvokeAsync<GroupSummary[]>("ListGroups");

    public async Task<ChatMessage> NextMessageAsync() => ((HeardMessage)await Heard.WaitForAsync(h => h is HeardMessage)).Message;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
