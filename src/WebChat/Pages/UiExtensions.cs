namespace WebChat.Pages;

public static class UiExtensions
{
    /// <summary>The browser door: Razor Pages at / over the SignalR hub (CONTRACT section 4).</summary>
    public static IServiceCollection AddChatUi(this IServiceCollection services)
    {
        services.AddRazorPages();
        return services;
    }

    public static WebApplication MapChatUi(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapRazorPages();
        return app;
    }
}
