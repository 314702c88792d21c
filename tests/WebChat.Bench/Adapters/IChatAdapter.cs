namespace WebChat.Bench.Adapters;

/// <summary>
/// The extension point: one implementation per door/protocol. The runner only ever talks to
/// these two interfaces, so a new protocol (for example the project's SignalR hub) is one new
/// class plus one line in <see cref="AdapterFactory"/>.
///
/// Contract for implementers:
/// - <see cref="CreateGroupAsync"/> connects a new member, creates a new password-guarded group
///   and returns once the member is in it; <see cref="IChatSession.GroupKey"/> then names the
///   group for <see cref="JoinGroupAsync"/> (a numeric id, a channel name...).
/// - <see cref="JoinGroupAsync"/> connects a new member into that group and returns once it is in.
/// - Both throw <see cref="SetupException"/> with a readable reason when the server refuses.
/// - Every chat text the member receives from others must be handed to the session's
///   <see cref="IDeliverySink.OnPayload"/> (as UTF-8; it may carry server prefixes, the sink
///   finds the payload marker itself). Other traffic goes to <see cref="IDeliverySink.OnOtherLine"/>.
/// - <see cref="IChatSession.SendChat"/> must not block the caller (queue if the transport is busy).
/// </summary>
public interface IChatAdapter
{
    string Name { get; }
    Task<IChatSession> CreateGroupAsync(MemberSpec member, string password, CancellationToken ct);
    Task<IChatSession> JoinGroupAsync(MemberSpec member, string groupKey, string password, CancellationToken ct);
}

public interface IChatSession : IAsyncDisposable
{
    string GroupKey { get; }
    /// <summary>Which door the member uses: "tcp" (legacy gateway), "ws" (SignalR) or "irc".</summary>
    string Door { get; }
    /// <summary>Attach the receiver bookkeeping; called once setup of all members is done.</summary>
    void SetSink(IDeliverySink sink);
    /// <summary>Send one chat message (the text, without any line terminator). Never blocks.</summary>
    void SendChat(ReadOnlySpan<byte> utf8Text);
    bool IsOpen { get; }
    /// <summary>Completes when the connection is gone (closed by either side or failed).</summary>
    Task Completion { get; }
    /// <summary>Bytes queued locally because the transport could not take them yet.</summary>
    long PendingSendBytes { get; }
    /// <summary>Leave politely (legacy "Exit" then "3", IRC QUIT), bounded by the timeout, then close.</summary>
    Task LeaveAsync(TimeSpan timeout);
    /// <summary>Why the connection ended, if it did.</summary>
    string? CloseReason { get; }
}

public interface IDeliverySink
{
    void OnPayload(ReadOnlySpan<byte> utf8LineWithMarker);
    void OnOtherLine(string line);
}

/// <param name="Group">0-based group index</param>
/// <param name="Member">0-based member index inside the group (0 created the group)</param>
/// <param name="GlobalId">unique member number in this run</param>
/// <param name="Name">display name / nick</param>
public sealed record MemberSpec(int Group, int Member, int GlobalId, string Name);

public sealed class SetupException(string message) : Exception(message);

public sealed class AdapterOptions
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    /// <summary>legacy: terminator after menu choices, names, ids, passwords: "\n", "\r\n" or "" (seed style).</summary>
    public string Eol { get; init; } = "\n";
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(15);
    public string RunTag { get; init; } = "a";
    public int ReceiveBufferBytes { get; init; } = 16 * 1024;
    /// <summary>signalr: hub protocol, "json" or "messagepack".</summary>
    public string Protocol { get; init; } = "json";
    /// <summary>mixed: where the SignalR members connect (the app's HTTP address); Host/Port is the TCP door.</summary>
    public string HubHost { get; init; } = "127.0.0.1";
    public int HubPort { get; init; } = 8080;
    /// <summary>mixed: the share of each group's members that use the TCP door.</summary>
    public double TcpFraction { get; init; } = 0.5;
    /// <summary>mixed: the SignalR members' client, "official" (HubConnection) or "lite" (<see cref="SignalRLiteAdapter"/>).</summary>
    public string WsClient { get; init; } = "official";
    /// <summary>legacy: a second node's TCP door; when set, every odd member of a group connects there.</summary>
    public string? Target2Host { get; init; }
    public int Target2Port { get; init; }
}

public static class AdapterFactory
{
    public static readonly string[] Known = ["legacy", "irc", "signalr", "signalr-lite", "mixed"];

    public static int DefaultPort(string adapter) => adapter switch
    {
        "legacy" or "mixed" => 5555,
        "irc" => 6667,
        "signalr" or "signalr-lite" => 8080,
        _ => 0,
    };

    public static IChatAdapter Create(string name, AdapterOptions o) => name switch
    {
        "legacy" when o.Target2Host is not null => new MixedAdapter(new LegacyAdapter(new AdapterOptions
        {
            Host = o.Target2Host, Port = o.Target2Port, Eol = o.Eol, StepTimeout = o.StepTimeout, RunTag = o.RunTag,
            ReceiveBufferBytes = o.ReceiveBufferBytes,
        }), new LegacyAdapter(o), 0.5),
        "legacy" => new LegacyAdapter(o),
        "irc" => new IrcAdapter(o),
        "signalr" => new SignalRAdapter(o),
        "signalr-lite" => new SignalRLiteAdapter(o),
        "mixed" => new MixedAdapter(new LegacyAdapter(o), HubAdapter(o.WsClient, new AdapterOptions
        {
            Host = o.HubHost, Port = o.HubPort, StepTimeout = o.StepTimeout, RunTag = o.RunTag, Protocol = o.Protocol,
            ReceiveBufferBytes = o.ReceiveBufferBytes,
        }), o.TcpFraction),
        _ => throw new ArgumentException($"unknown adapter '{name}' (known: {string.Join(", ", Known)})"),
    };

    private static IChatAdapter HubAdapter(string wsClient, AdapterOptions o) => wsClient switch
    {
        "official" => new SignalRAdapter(o),
        "lite" => new SignalRLiteAdapter(o),
        _ => throw new ArgumentException($"unknown --ws-client '{wsClient}' (official or lite)"),
    };
}
