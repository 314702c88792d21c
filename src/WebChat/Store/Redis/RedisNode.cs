using Microsoft.Extensions.Options;
using StackExchange.Redis;
using WebChat.Groups;

namespace WebChat.Store.Redis;

/// <summary>
/// This node's link to Redis: the connection, its inbox channel, and whether it is ready, i.e. its inbox
/// subscription is live and its members are registered. Changes are refused until then, so a member never
/// joins before its node can hear its own Joined event.
/// </summary>
public sealed class RedisNode
{
    private readonly ILogger<RedisNode> _log;
    private volatile bool _ready;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RedisNode(IConnectionMultiplexer connection, IOptions<RedisOptions> options, IOptions<ChatOptions> chat, ILogger<RedisNode> log)
    {
        Connection = connection;
        Options = options.Value;
        NodeId = chat.Value.NodeId ?? throw new InvalidOperationException("Chat:NodeId is set by AddChatRedis");
        Inbox = RedisChannel.Literal(Options.KeyPrefix + "inbox:" + NodeId);
        _log = log;
        connection.ConnectionFailed += (_, e) =>
        {
            if (_ready) _log.LogWarning("Redis connection lost ({FailureType}); refusing changes until it is back", e.FailureType);
            IsReady = false;
        };
        connection.ConnectionRestored += (_, _) => Signal();
    }

    public IConnectionMultiplexer Connection { get; }
    public RedisOptions Options { get; }
    public string NodeId { get; }
    public RedisChannel Inbox { get; }
    public IDatabase Database => Connection.GetDatabase();

    public bool IsReady
    {
        get => _ready && Connection.IsConnected;
        set { _ready = value; if (!value) Signal(); }
    }

    /// <summary>Completes when the connection state changes (the node service then re-checks at once).</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public void EnsureReady()
    {
        if (!IsReady) throw ChatException.Unavailable();
    }

    /// <summary>
    /// Calls a function of the store's library (<see cref="RedisScripts"/>) with the key prefix as its first argument,
    /// loading the library first if Redis does not have it (a new or restarted Redis); an unreachable Redis becomes
    /// <see cref="ChatError.Unavailable"/>.
    /// </summary>
    public async Task<RedisResult> RunAsync(string function, params RedisValue[] args)
    {
        var values = new object[args.Length + 3];
        values[0] = function;
        values[1] = 0;
        values[2] = Options.KeyPrefix;
        for (var i = 0; i < args.Length; i++) values[i + 3] = args[i];
        try
        {
            try
            {
                return await Database.ExecuteAsync("FCALL", values).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("Function not found", StringComparison.OrdinalIgnoreCase))
            {
                await LoadLibraryAsync().ConfigureAwait(false);
                return await Database.ExecuteAsync("FCALL", values).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Unreachable, timed out, or answering LOADING/BUSY after a restart: the caller is told the same.
            _log.LogWarning("Redis call refused: {Reason}", ex.Message);
            throw ChatException.Unavailable();
        }
        catch (Exception ex)
        {
            // No token is passed in, so even a cancellation here comes from the client library.
            _log.LogError(ex, "Unexpected failure of a Redis call");
            throw ChatException.Unavailable();
        }
    }

    /// <summary>Loads the store's function library (FUNCTION LOAD); one already loaded by another node is fine.</summary>
    public async Task LoadLibraryAsync()
    {
        try { await Database.ExecuteAsync("FUNCTION", "LOAD", RedisScripts.Library).ConfigureAwait(false); }
        catch (RedisServerException ex) when (ex.Message.Contains("already exists", StringComparison.OrdinalIgnoreCase)) { }
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
