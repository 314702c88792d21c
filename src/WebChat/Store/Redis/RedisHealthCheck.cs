using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace WebChat.Store.Redis;

/// <summary>/healthz answers 503 while this node cannot serve: Redis unreachable, or the node not yet ready again.</summary>
public sealed class RedisHealthCheck(RedisNode node) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (!node.IsReady) return HealthCheckResult.Unhealthy("Redis is unreachable, or this node is not registered with it yet");
        try
        {
            await node.Database.PingAsync();
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable");
        }
    }
}
