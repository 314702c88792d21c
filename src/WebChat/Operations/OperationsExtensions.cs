using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Serilog;
using Serilog.Events;
using WebChat.Groups;

namespace WebChat.Operations;

public static class OperationsExtensions
{
    /// <summary>Built-in meters worth a look next to WebChat's own.</summary>
    private static readonly string[] Meters =
        [ChatMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections", "System.Runtime"];

    /// <summary>Metrics export, request logging, log correlation and graceful shutdown (docs/operations.md).</summary>
    public static WebApplicationBuilder AddChatOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Shutdown must fit inside `docker stop`'s default 10 s before SIGKILL, with time left to flush logs
        var shutdownSeconds = builder.Configuration.GetValue("ShutdownTimeoutSeconds", 8);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(shutdownSeconds));

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("webchat"))
            .WithMetrics(m => m.AddMeter(Meters).AddPrometheusExporter());

        services.AddSingleton<HubLogScope>();
        services.Configure<HubOptions>(o => o.AddFilter<HubLogScope>());
        services.AddHostedService<HubShutdown>();
        services.AddHealthChecks().AddCheck<NotStoppingHealthCheck>("not-stopping");
        return builder;
    }

    private static bool IsWebSocketUpgrade(HttpRequest request) =>
        string.Equals(request.Headers.Upgrade, "websocket", StringComparison.OrdinalIgnoreCase);

    public static WebApplication MapChatOperations(this WebApplication app)
    {
        // One event per HTTP request, but not for a WebSocket (a hub connection): its "request" lasts as long as the
        // connection, its event would come at the disconnect, and the state kept for it cost ~600 B per idle
        // connection (docs/performance.md). The hub logs its connections itself.
        app.UseWhen(http => !IsWebSocketUpgrade(http.Request), logged => logged.UseSerilogRequestLogging(o =>
        {
            o.GetLevel = (http, _, ex) =>
                ex is not null || http.Response.StatusCode >= 500 ? LogEventLevel.Error
                : IsProbe(http.Request.Path) ? LogEventLevel.Verbose
                : LogEventLevel.Information;
            o.EnrichDiagnosticContext = (diagnostics, http) =>
                diagnostics.Set("Address", http.Connection.RemoteIpAddress?.ToString());
        }));
        app.MapPrometheusScrapingEndpoint();

        // Once shutdown begins, new hub connections are refused: a client told to reconnect
        // (a browser retries at once) must not land on this node again
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use((http, next) =>
        {
            if (!stopping.IsCancellationRequested || !http.Request.Path.StartsWithSegments("/hubs")) return next(http);
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        return app;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/metrics");
}

/// <summary>Unhealthy from the moment shutdown begins, so a load balancer stops sending new clients.</summary>
public sealed class NotStoppingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("shutting down")
            : HealthCheckResult.Healthy());
}
