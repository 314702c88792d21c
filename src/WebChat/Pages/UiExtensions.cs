namespace WebChat.Pages;

public static class UiExtensions
{
    /// <summary>The browser door: Razor Pages at / over the SignalR hub (docs/protocol.md, "The page at /").</summary>
    public static IServiceCollection AddChatUi(this IServiceCollection services)
    {
        services.AddRazorPages();
        return services;
    }

    public static WebApplication MapChatUi(this WebApplication app)
    {
        // The page links its files with a content hash (?v=..., asp-append-version), so those keep for good;
        // the modules import each other without one, so they are revalidated (ETag) on every load.
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = c => c.Context.Response.Headers.CacheControl =
                c.Context.Request.Query.ContainsKey("v") ? "public, max-age=31536000, immutable" : "no-cache",
        });
        app.MapRazorPages();
        return app;
    }
}
