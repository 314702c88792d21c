using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;
using WebChat.Groups;

namespace WebChat.Store.Redis;

public static class RedisExtensions
{
    /// <summary>With <c>ConnectionStrings:Redis</c> set, the shared Redis store replaces the in-memory one (scale-out).</summary>
    public static WebApplicationBuilder AddChatRedis(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString)) return builder;

        var services = builder.Services;
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section);
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        var nodeId = builder.Configuration["Chat:NodeId"] is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N")[..12];
        services.PostConfigure<ChatOptions>(o => o.NodeId = nodeId);

        var connection = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(Configure(connectionString, options, nodeId)));
        services.AddSingleton<IConnectionMultiplexer>(_ => connection.Value);

        // Rejoin tokens issued by one node must open on another.
        services.AddDataProtection().PersistKeysToStackExchangeRedis(() => connection.Value.GetDatabase(), options.KeyPrefix + "dataprotection-keys");

        services.AddSingleton<RedisNode>();
        services.AddSingleton<RedisInbox>();
        services.AddSingleton<RedisGroupStore>();
        services.AddSingleton<IGroupStore>(sp => sp.GetRequiredService<RedisGroupStore>());
        services.AddHostedService<RedisNodeService>();
        services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return builder;
    }

    /// <summary>Fail fast and recover alone: no waiting for a first connection, no queueing while disconnected.</summary>
    private static ConfigurationOptions Configure(string connectionString, RedisOptions options, string nodeId)
    {
        var config = ConfigurationOptions.Parse(connectionString);
        var given = connectionString.ToLowerInvariant();
        config.AbortOnConnectFail = false;
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ClientName ??= "webchat-" + nodeId;
        if (!given.Contains("connecttimeout")) config.ConnectTimeout = options.TimeoutMilliseconds;
        if (!given.Contains("synctimeout")) config.SyncTimeout = options.TimeoutMilliseconds;
        if (!given.Contains("asynctimeout")) config.AsyncTimeout = options.TimeoutMilliseconds;
        if (!given.Contains("keepalive")) config.KeepAlive = 5;
        config.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        return config;
    }
}
