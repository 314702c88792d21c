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

    /// <summary>Runs a script with the key prefix as its first argument; an unreachable Redis becomes <see cref="ChatError.Unavailable"/>.</summary>
    public async Task<RedisResult> RunAsync(string script, params RedisValue[] args)
    {
        var values = new RedisValue[args.Length + 1];
        values[0] = Options.KeyPrefix;
        args.CopyTo(values, 1);
        try
        {
            return await Database.ScriptEvaluateAsync(script, keys: null, values).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Unreachable, timed out, or answering LOADING/BUSY after a restart: the caller is told the same.
            _log.LogWarning("Redis call refused: {Reason}", ex.Message);
            throw ChatException.Unavailable();
        }
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
