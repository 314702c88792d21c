using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>The SignalR door at /hubs/chat (CONTRACT section 2). It only translates: the rules live in <see cref="ChatGroups"/>.</summary>
public sealed class ChatHub(ChatGroups groups, ChatMetrics metrics, ILogger<ChatHub> log) : Hub<IChatClient>
{
    public Task<JoinedGroup> CreateGroup(string userName, string password) =>
        Translate(() => groups.CreateAsync(Caller, userName, password));

    public Task<JoinedGroup> JoinGroup(int groupId, string userName, string password) =>
        Translate(() => groups.JoinAsync(Caller, groupId, userName, password));

    public Task<JoinedGroup> Rejoin(string rejoinToken, long lastSeenMessageId) =>
        Translate(() => groups.RejoinAsync(Caller, rejoinToken, lastSeenMessageId));

    public Task LeaveGroup(int groupId) =>
        Translate(async () => { await groups.LeaveAsync(Caller, groupId); return true; });

    public Task<ChatMessage?> SendMessage(int groupId, string text) =>
        Translate(() => groups.SendAsync(Caller, groupId, text));

    public Task<IReadOnlyList<GroupSummary>> ListGroups() => Translate(() => groups.ListAsync());

    public override Task OnConnectedAsync()
    {
        HubLog.Opened(log, Context.ConnectionId, Caller.Address);
        metrics.ConnectionOpened(Door.Hub);
        return Task.CompletedTask;
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        HubLog.Closed(log, Context.ConnectionId, Caller.Address, exception?.Message ?? "closed");
        metrics.ConnectionClosed(Door.Hub);
        await groups.ConnectionClosedAsync(Caller, keepForGrace: true);
    }

    private Member Caller => new(Door.Hub, Context.ConnectionId,
        Security.ClientAddress.Key(Context.GetHttpContext()?.Connection.RemoteIpAddress));

    /// <summary>
    /// A refusal becomes a HubException in its own words, and is not an error of the server: SignalR's
    /// own "Failed to invoke hub method" error log is silenced in appsettings, so anything else that
    /// fails is logged here instead.
    /// </summary>
    private async Task<T> Translate<T>(Func<Task<T>> call, [System.Runtime.CompilerServices.CallerMemberName] string method = "")
    {
        try { return await call(); }
        catch (ChatException e) { throw new HubException(e.Message); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HubLog.Failed(log, e, method, Context.ConnectionId);
            throw;
        }
    }
}

internal static partial class HubLog
{
    [LoggerMessage(100, LogLevel.Information, "Connection opened: hub {ConnectionId} from {Address}")]
    public static partial void Opened(ILogger log, string connectionId, string address);

    [LoggerMessage(101, LogLevel.Information, "Connection closed: hub {ConnectionId} from {Address} ({Reason})")]
    public static partial void Closed(ILogger log, string connectionId, string address, string reason);

    [LoggerMessage(102, LogLevel.Error, "Hub method {Method} failed for {ConnectionId}")]
    public static partial void Failed(ILogger log, Exception exception, string method, string connectionId);
}
