using Microsoft.Extensions.Options;

namespace WebChat.Security;

public static class SecurityExtensions
{
    private const string HubPolicy = "hub";

    // No inline script or style anywhere; the hub is same-origin (ws: and wss: are covered by 'self').
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddChatSecurity(this IServiceCollection services)
    {
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.Section);
        services.AddSingleton(sp => KnownProxies.From(sp.GetRequiredService<IConfiguration>()));
        services.AddTransient<IStartupFilter, ForwardedHeadersStartup>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<SecurityOptions>>((cors, security) =>
                cors.AddPolicy(HubPolicy, p => p.WithOrigins(security.Value.AllowedOrigins).AllowAnyHeader().WithMethods("GET", "POST").AllowCredentials()));
        return services;
    }

    /// <summary>Security headers on every response, and a browser origin check on the hub (CORS does not cover WebSockets).</summary>
    public static WebApplication UseChatSecurity(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            return next(context);
        });
        app.UseCors();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/hubs"), hub => hub.Use((context, next) =>
        {
            var allowed = context.RequestServices.GetRequiredService<IOptions<SecurityOptions>>().Value.AllowedOrigins;
            if (OriginAllowed(context.Request, allowed)) return next(context);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("This origin may not use the chat hub.");
        }));
        return app;
    }

    public static string HubCorsPolicy => HubPolicy;

    /// <summary>Non-browser clients send no Origin; a browser's must be this app's own or a configured one.</summary>
    internal static bool OriginAllowed(HttpRequest request, string[] allowed)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin)) return true;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return false;
        if (string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)) return true;
        return allowed.Any(a => string.Equals(a.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }
}
