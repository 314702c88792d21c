namespace WebChat.Gateway;

public static class GatewayExtensions
{
    /// <summary>The legacy TCP gateway (CONTRACT section 3): hosted service and its door sink.</summary>
    public static IServiceCollection AddChatGateway(this IServiceCollection services)
    {
        // Filled in by the TCP gateway work (issue 11).
        return services;
    }
}
