namespace WebChat.Pages;

public static class UiExtensions
{
    /// <summary>The browser door: Razor Pages at / over the SignalR hub (docs/page.md).</summary>
    public static WebApplicationBuilder AddChatUi(this WebApplicationBuilder builder)
    {
        // Started from the build output (dotnet run, the tests) the page's files are still in the project's
        // wwwroot and node_modules: the build's static web assets manifest says where. A published app has
        // them in its own wwwroot and no such manifest, and this does nothing.
        builder.WebHost.UseStaticWebAssets();
        // ...and served the way the published app serves them (fingerprinted URLs cached for good, the build's
        // Brotli and gzip copies), not through ASP.NET Core's hot-reload handler, which marks every file no-cache
        // and here took each file for changed and sent it recompressed, uncompressed inside gzip, under the br label.
        // So a change in wwwroot needs a build, as it does for the published app. ReloadStaticAssetsAtRuntime=true
        // in the configuration turns the handler back on.
        if (builder.Configuration["ReloadStaticAssetsAtRuntime"] is null)
            builder.Configuration["ReloadStaticAssetsAtRuntime"] = "false";
        builder.Services.AddRazorPages();
        return builder;
    }

    public static WebApplication MapChatUi(this WebApplication app)
    {
        // The files as the build listed them: fingerprinted URLs (the page links those) cached for a year as
        // immutable, compressed copies (br, gzip) chosen by Accept-Encoding, ETags; a plain URL (the modules
        // import each other by plain name) is revalidated on every load.
        app.MapStaticAssets();
        app.MapRazorPages().WithStaticAssets();
        return app;
    }
}
