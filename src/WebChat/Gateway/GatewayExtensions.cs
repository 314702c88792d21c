using WebChat.Groups;

namespace WebChat.Gateway;

public static class GatewayExtensions
{
    /// <summary>The legacy TCP gateway (docs/protocol.md, "The TCP door"): hosted service and its door sink, beside the hub's.</summary>
    public static IServiceCollection AddChatGateway(this IServiceCollection services)
    {
        services.AddSingleton<GatewayEndpoint>();
        services.AddSingleton<GatewaySessions>();
        services.AddSingleton<IGroupEventSink, GatewaySink>();
        services.AddHostedService<TcpGateway>();
        return services;
    }
}
