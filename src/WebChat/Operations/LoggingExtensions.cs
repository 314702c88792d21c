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
        return builder;
    }
}
