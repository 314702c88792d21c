using System.Collections.Concurrent;
using Serilog;
using Serilog.Formatting.Compact;

namespace WebChat.Operations;

public static class LoggingExtensions
{
    /// <summary>Serilog from configuration; <c>Logging:Json=true</c> switches the console to compact JSON for containers.</summary>
    public static WebApplicationBuilder AddChatLogging(this WebApplicationBuilder builder)
    {
        var json = builder.Configuration.GetValue<bool>("Logging:Json");
        builder.Services.AddSerilog((services, config) =>
        {
            config.ReadFrom.Configuration(builder.Configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (json) config.WriteTo.Console(new CompactJsonFormatter());
            else config.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        });
        CacheLoggers(builder.Services);
        return builder;
    }

    /// <summary>
    /// Serilog's logger factory makes a new logger (with its own event-id cache) on every CreateLogger call,
    /// and SignalR asks for two per connection: ~1 KB held for as long as each connection lives. The
    /// registered factory is wrapped so that each category's logger is made once, as Microsoft's own factory does.
    /// </summary>
    private static void CacheLoggers(IServiceCollection services)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(ILoggerFactory));
        if (registered?.ImplementationFactory is not { } make) return;
        services.Remove(registered);
        services.AddSingleton<ILoggerFactory>(sp => new CachingLoggerFactory((ILoggerFactory)make(sp)));
    }
}

/// <summary>One logger per category, made by the inner factory the first time it is asked for.</summary>
public sealed class CachingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, Microsoft.Extensions.Logging.ILogger> _loggers = new(StringComparer.Ordinal);

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) =>
        _loggers.TryGetValue(categoryName, out var logger) ? logger : _loggers.GetOrAdd(categoryName, inner.CreateLogger);

    public void AddProvider(ILoggerProvider provider)
    {
        inner.AddProvider(provider);
        _loggers.Clear();
    }

    public void Dispose() => inner.Dispose();
}
