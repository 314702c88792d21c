using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;

namespace WebChat.Tests.Infrastructure;

/// <summary>What a SignalR client hears, as one ordered log.</summary>
public abstract record Heard;
public sealed record HeardMessage(ChatMessage Message) : Heard;
public sealed record HeardJoined(int GroupId, string UserName) : Heard;
public sealed record HeardLeft(int GroupId, string UserName) : Heard;

/// <summary>A real SignalR client of /hubs/chat with typed calls and a log of everything it heard.</summary>
public sealed class ChatClient : IAsyncDisposable
{
    public HubConnection Connection { get; }
    public EventLog<Heard> Heard { get; } = new();

    private ChatClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<ChatMessage>("MessageReceived", m => Heard.Add(new HeardMessage(m)));
        connection.On<int, string>("MemberJoined", (g, n) => Heard.Add(new HeardJoined(g, n)));
        connection.On<int, string>("MemberLeft", (g, n) => Heard.Add(new HeardLeft(g, n)));
    }

    public static async Task<ChatClient> ConnectAsync(WebChatApplication app, Action<IHubConnectionBuilder>? configure = null,
        Uri? via = null, string? from = null)
    {
        var client = new ChatClient(await app.ConnectAsync(configure, via, from).ConfigureAwait(false));
        return client;
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

    public Task<GroupSummary[]> ListGroups() => Connection.InvokeAsync<GroupSummary[]>("ListGroups");

    public async Task<ChatMessage> NextMessageAsync() => ((HeardMessage)await Heard.WaitForAsync(h => h is HeardMessage)).Message;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
