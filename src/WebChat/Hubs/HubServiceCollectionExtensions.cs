using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using WebChat.Groups;

namespace WebChat.Hubs;

public static class HubServiceCollectionExtensions
{
    private const string ConnectionsPerAddress = "hub-connections-per-address";

    /// <summary>The SignalR door: the hub, its sink, its outboxes, the refusal filter and the per-address connection limit.</summary>
    public static IServiceCollection AddChatHub(this IServiceCollection services)
    {
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubLifetimeManager<ChatHub>, TrackingHubLifetimeManager>();
        services.AddSingleton<IGroupEventSink, HubSink>();
        services.AddSignalR(o =>
        {
            // A 2000-character message is at most ~8 KiB of UTF-8 plus its envelope.
            o.MaximumReceiveMessageSize = 64 * 1024;
            o.EnableDetailedErrors = false;
            o.AddFilter<RefusalFilter>();
        }).AddMessagePackProtocol();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var limit = context.HttpContext.RequestServices.GetRequiredService<IOptions<ChatOptions>>().Value.Limits.HubConnectionsPerAddress;
                await context.HttpContext.Response.WriteAsync(
                    $"Too many connections from your address (at most {limit} at once); close one and try again.", ct);
            };
            // A WebSocket request lasts as long as its connection, so a concurrency limit on the hub's requests
            // counts an address's open connections.
            o.AddPolicy(ConnectionsPerAddress, context =>
            {
                var limit = context.RequestServices.GetRequiredService<IOptions<ChatOptions>>().Value.Limits.HubConnectionsPerAddress;
                return RateLimitPartition.GetConcurrencyLimiter(ChatHub.AddressOf(context),
                    _ => new ConcurrencyLimiterOptions { PermitLimit = limit, QueueLimit = 0 });
            });
        });
        return services;
    }

    public static WebApplication MapChatHub(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapHub<ChatHub>("/hubs/chat")
            .RequireCors(WebChat.Security.SecurityExtensions.HubCorsPolicy)
            .RequireRateLimiting(ConnectionsPerAddress);
        return app;
    }
}
