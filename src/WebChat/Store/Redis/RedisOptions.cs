namespace WebChat.Store.Redis;

/// <summary>The <c>Chat:Redis</c> section: scale-out tuning (the connection itself is <c>ConnectionStrings:Redis</c>).</summary>
public sealed class RedisOptions
{
    public const string Section = "Chat:Redis";

    /// <summary>
    /// How long a node's members outlive its last heartbeat. A node refreshes every third of it, and every
    /// node sweeps as often, so a dead node's members are gone within about 4/3 of this (20 s by default).
    /// </summary>
    public int PresenceTtlSeconds { get; set; } = 15;

    /// <summary>Prefix of every key and channel, so several deployments (or tests) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "webchat:";

    /// <summary>Connect, sync and async timeouts: how long a call may wait on Redis before it is refused.</summary>
    public int TimeoutMilliseconds { get; set; } = 2000;

    public TimeSpan PresenceTtl => TimeSpan.FromSeconds(Math.Max(1, PresenceTtlSeconds));
    public TimeSpan RefreshInterval => PresenceTtl / 3;
}
