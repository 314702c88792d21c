using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.SignalR;
using WebChat.Hubs;
using WebChat.Store;

namespace WebChat.Groups;

public static class ChatServiceCollectionExtensions
{
    /// <summary>The group core, the in-memory store (the default) and the per-node dispatcher with the hub sink.</summary>
    public static IServiceCollection AddChatCore(this IServiceCollection services)
    {
        services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.Section);
        services.AddDataProtection().SetApplicationName("WebChat");
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<RejoinTokens>();
        services.AddSingleton<LocalMemberships>();
        services.AddSingleton<ChatGroups>();
        services.AddSingleton<GroupEventDispatcher>();
        services.AddSingleton<IGroupEventPublisher>(sp => sp.GetRequiredService<GroupEventDispatcher>());
        services.AddSingleton<InMemoryGroupStore>();
        services.AddSingleton<IGroupStore>(sp => sp.GetRequiredService<InMemoryGroupStore>());
        services.AddSingleton<HubConnections>();
        services.AddSingleton<HubLifetimeManager<ChatHub>, TrackingHubLifetimeManager>();
        services.AddSingleton<IGroupEventSink, HubSink>();
        services.AddSignalR(o =>
        {
            // A 2000-character message is at most ~8 KiB of UTF-8 plus its envelope.
            o.MaximumReceiveMessageSize = 64 * 1024;
            o.EnableDetailedErrors = false;
        }).AddMessagePackProtocol();
        services.AddHealthChecks();
        return services;
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        app.MapHub<ChatHub>("/hubs/chat").RequireCors(WebChat.Security.SecurityExtensions.HubCorsPolicy);
        app.MapHealthChecks("/healthz");
        return app;
    }
}
