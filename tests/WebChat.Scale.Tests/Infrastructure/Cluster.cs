using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Infrastructure;

/// <summary>Nodes of one WebChat deployment on one redis-server: each its own app on its own real port.</summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<WebChatApplication> _nodes = [];

    private Cluster(RedisServer redis) => Redis = redis;

    public RedisServer Redis { get; }
    public IReadOnlyList<WebChatApplication> Nodes => _nodes;

    /// <summary>Settings every node gets: short presence (long enough for a busy machine), no flood limit in the way of a test's bursts.</summary>
    public static Dictionary<string, string?> Settings(RedisServer redis, int presenceTtlSeconds = 5) => new()
    {
        ["ConnectionStrings:Redis"] = redis.ConnectionString,
        ["Chat:Redis:PresenceTtlSeconds"] = presenceTtlSeconds.ToString(),
        ["Chat:Redis:TimeoutMilliseconds"] = "1000",
        ["Chat:Limits:MessagesPerSecond"] = "10000",
        ["Chat:Limits:MessageBurst"] = "10000",
        ["Chat:Gateway:Enabled"] = "false",
    };

    public static async Task<Cluster> StartAsync(int nodes, IDictionary<string, string?>? extra = null, bool persistentRedis = false)
    {
        var cluster = new Cluster(await RedisServer.StartAsync(persistentRedis));
        for (var i = 0; i < nodes; i++) await cluster.AddNodeAsync(extra);
        return cluster;
    }

    /// <summary>Starts a node and waits until it reports healthy (its inbox is live).</summary>
    public async Task<WebChatApplication> AddNodeAsync(IDictionary<string, string?>? extra = null)
    {
        var settings = Settings(Redis);
        if (extra is not null)
            foreach (var (k, v) in extra) settings[k] = v;
        var node = new WebChatApplication(settings);
        _nodes.Add(node);
        await Health.WaitForAsync(node.BaseAddress, 200);
        return node;
    }

    public WebChatApplication this[int index] => _nodes[index];

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
