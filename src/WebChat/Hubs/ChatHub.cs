using Microsoft.AspNetCore.SignalR;
using WebChat.Groups;

namespace WebChat.Hubs;

/// <summary>
/// The SignalR door at /hubs/chat (docs/protocol.md). It only maps methods to the core: the rules live in
/// <see cref="ChatGroups"/>, and <see cref="RefusalFilter"/> turns refusals into HubExceptions.
/// </summary>
public sealed class ChatHub(ChatGroups groups, ChatMetrics metrics, ILogger<ChatHub> log, TimeProvider time) : Hub<IChatClient>
{
    private const string PaceKey = "webchat.pace";

    public Task<JoinedGroup> CreateGroup(string userName, string password) =>
        groups.CreateAsync(Caller, userName, password, Aborted);

    public Task<JoinedGroup> JoinGroup(int groupId, string userName, string password) =>
        groups.JoinAsync(Caller, groupId, userName, password, Aborted);

    public Task<JoinedGroup> Rejoin(string rejoinToken, long lastSeenMessageId) =>
        groups.RejoinAsync(Caller, rejoinToken, lastSeenMessageId, Aborted);

    public Task LeaveGroup(int groupId) => groups.LeaveAsync(Caller, groupId, Aborted);

    public async Task<ChatMessage?> SendMessage(int groupId, string text)
    {
        var message = await groups.SendAsync(Caller, groupId, text, Aborted);
        if (message is null) await PaceAsync(); // an ignored blank message
        return message;
    }

    public async Task<IReadOnlyList<GroupSummary>> ListGroups()
    {
        await PaceAsync();
        return await groups.ListAsync(Aborted);
    }

    public Task RemoveMember(int groupId, string userName) => groups.RemoveMemberAsync(Caller, groupId, userName, Aborted);

    public Task ChangePassword(int groupId, string newPassword) => groups.ChangePasswordAsync(Caller, groupId, newPassword, Aborted);

    public Task TransferOwnership(int groupId, string userName) => groups.TransferOwnershipAsync(Caller, groupId, userName, Aborted);

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

    private CancellationToken Aborted => Context.ConnectionAborted;

    /// <summary>
    /// The calls that are never refused (ListGroups, a blank message, which is ignored) are answered at most four
    /// times a second per connection, as refusals are (<see cref="RefusalFilter.Delay"/>): a loop of them waits
    /// its turn instead of taking a core. A connection's calls run one at a time, so its next turn needs no lock.
    /// </summary>
    private async Task PaceAsync()
    {
        var now = time.GetUtcNow();
        var turn = Context.Items.TryGetValue(PaceKey, out var next) && next is DateTimeOffset t && t > now ? t : now;
        Context.Items[PaceKey] = turn + RefusalFilter.Delay;
        if (turn > now) await Task.Delay(turn - now, time, Aborted);
    }

    private Member Caller => new(Door.Hub, Context.ConnectionId,
        Context.GetHttpContext() is { } http ? AddressOf(http) : "unknown");

    /// <summary>The client's address as every per-address rule counts it.</summary>
    internal static string AddressOf(HttpContext http) => Security.ClientAddress.Key(http.Connection.RemoteIpAddress);
}

/// <summary>
/// A refusal of the core becomes a <see cref="HubException"/>: its plain words, then its kind in square brackets
/// (<c>Wrong password for group 7 [WrongPassword]</c>), so clients can tell refusals apart without reading English.
/// A refusal is not an error of the server: SignalR's own "Failed to invoke hub method" log is silenced in
/// appsettings, so anything else that fails is logged here instead.
/// </summary>
public sealed class RefusalFilter(ILogger<RefusalFilter> log) : IHubFilter
{
    /// <summary>
    /// How long a refusal waits before it is answered. A connection's calls run one at a time, so a client that
    /// loops on a refused call (a taken name, a used-up allowance, a full connection) gets at most four answers a
    /// second instead of as many as the server can turn out, each of which costs about as much as a message; a
    /// person does not notice a quarter of a second. A message refused as too fast is answered at once: delayed,
    /// a flood's refusals would alternate with the refilled bucket's messages, each a new run in the log.
    /// The pause is on the wall clock, not the app's <see cref="TimeProvider"/>: it paces a socket, and a test that
    /// drives the reconnect grace with a fake clock must not have to drive every refusal too.
    /// </summary>
    public static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(250);

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try { return await next(context); }
        catch (ChatException e)
        {
            if (e.Error != ChatError.TooFast)
                await Task.Delay(Delay, context.Context.ConnectionAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw new HubException(Describe(e));
        }
        catch (Exception e) when (e is not OperationCanceledException and not HubException)
        {
            HubLog.Failed(log, e, context.HubMethodName, context.Context.ConnectionId);
            throw;
        }
    }

    /// <summary>The hub's text of a refusal.</summary>
    public static string Describe(ChatException e) => $"{e.Message} [{e.Error}]";
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
