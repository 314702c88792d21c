using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using WebChat.Store;

namespace WebChat.Groups;

public static class ChatServiceCollectionExtensions
{
    /// <summary>
    /// The group core, the in-memory store (the default) and the per-node dispatcher. The doors register their
    /// own sinks (<c>AddChatHub</c>, <c>AddChatGateway</c>).
    /// </summary>
    public static IServiceCollection AddChatCore(this IServiceCollection services)
    {
        services.AddOptions<ChatOptions>().BindConfiguration(ChatOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChatOptions>, ChatOptionsValidation>();
        services.AddDataProtection().SetApplicationName("WebChat");
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<ChatMetrics>();
        services.AddSingleton<SlowReceiverPolicy>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<RejoinTokens>();
        services.AddSingleton<LocalMemberships>();
        services.AddSingleton<ChatGroups>();
        services.AddSingleton<GroupEventDispatcher>();
        services.AddSingleton<IGroupEventPublisher>(sp => sp.GetRequiredService<GroupEventDispatcher>());
        services.AddSingleton<IGroupEventSink, MembershipSink>();
        services.AddSingleton<InMemoryGroupStore>();
        services.AddSingleton<IGroupStore>(sp => sp.GetRequiredService<InMemoryGroupStore>());
        services.AddHostedService<OrphanSweep>();
        services.AddHealthChecks();
        return services;
    }

    public static IEndpointRouteBuilder MapChatHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz");
        return app;
    }
}

/// <summary>Refuses, at start, settings that would make a rule meaningless (a limit of zero, a negative size).</summary>
internal sealed class ChatOptionsValidation : IValidateOptions<ChatOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatOptions o)
    {
        var errors = new List<string>();
        void AtLeast(double value, double min, string key)
        {
            if (value < min) errors.Add($"{key} must be at least {min} (it is {value})");
        }
        AtLeast(o.ReconnectGraceSeconds, 0, "Chat:ReconnectGraceSeconds");
        AtLeast(o.HistorySize, 0, "Chat:HistorySize");
        AtLeast(o.HistoryMaxBytes, 0, "Chat:HistoryMaxBytes");
        AtLeast(o.PasswordHashIterations, 1, "Chat:PasswordHashIterations");
        AtLeast(o.Limits.MessagesPerSecond, 0.001, "Chat:Limits:MessagesPerSecond");
        AtLeast(o.Limits.MessageBurst, 1, "Chat:Limits:MessageBurst");
        AtLeast(o.Limits.PasswordFailuresPerMinute, 1, "Chat:Limits:PasswordFailuresPerMinute");
        AtLeast(o.Limits.MaxUnsentBytes, 1024, "Chat:Limits:MaxUnsentBytes");
        AtLeast(o.Limits.GroupsPerConnection, 1, "Chat:Limits:GroupsPerConnection");
        AtLeast(o.Limits.GroupsPerAddress, 1, "Chat:Limits:GroupsPerAddress");
        AtLeast(o.Limits.JoinsPerMinute, 1, "Chat:Limits:JoinsPerMinute");
        AtLeast(o.Limits.MaxGroups, 1, "Chat:Limits:MaxGroups");
        AtLeast(o.Limits.HubConnectionsPerAddress, 1, "Chat:Limits:HubConnectionsPerAddress");
        AtLeast(o.Gateway.Port, 0, "Chat:Gateway:Port");
        AtLeast(o.Gateway.MaxConnectionsPerAddress, 1, "Chat:Gateway:MaxConnectionsPerAddress");
        AtLeast(o.Gateway.MenuIdleSeconds, 1, "Chat:Gateway:MenuIdleSeconds");
        AtLeast(o.Gateway.DeadPeerSeconds, 0, "Chat:Gateway:DeadPeerSeconds");
        AtLeast(o.Gateway.TlsPort, 0, "Chat:Gateway:TlsPort");
        AtLeast(o.Gateway.Certificate.ReloadCheckSeconds, 0, "Chat:Gateway:Certificate:ReloadCheckSeconds");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
