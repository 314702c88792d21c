using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Reliability;

/// <summary>
/// Tests that read the server's log run alone: the app's Serilog logger is also the process-wide static one,
/// so while other apps start in parallel, one app's events can land in another's logger.
/// </summary>
[CollectionDefinition(nameof(ServerLogCollection), DisableParallelization = true)]
public sealed class ServerLogCollection;

/// <summary>
/// The app like <see cref="WebChatApplication"/> (real Kestrel port, gateway on port 0, test settings), whose
/// Serilog pipeline also writes into <see cref="Log"/>: the app's logging picks up sinks registered as services.
/// </summary>
public sealed class LoggedApplication : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Chat:Gateway:Port"] = "0",
        ["Chat:PasswordHashIterations"] = "1000",
        ["Chat:Limits:JoinsPerMinute"] = "100000",
        ["Chat:Limits:GroupsPerAddress"] = "100000",
        ["Chat:Limits:HubConnectionsPerAddress"] = "100000",
        ["Chat:DataPath"] = "",
    };

    private readonly Action<IServiceCollection>? _services;

    public LoggedApplication(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) _settings[k] = v;
        // A free port through the "urls" setting, as WebChatApplication does: UseKestrel(0) races with the app's own
        // start and can throw "Addresses cannot be modified after the server has started".
        UseKestrel();
    }

    public ServerLog Log { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
        foreach (var (k, v) in _settings) builder.UseSetting(k, v);
        builder.ConfigureServices(s => s.AddSingleton<ILogEventSink>(Log));
        if (_services is not null) builder.ConfigureServices(_services);
    }
}

/// <summary>What the server logged, as "LVL message" lines, for checking what it refused and that it never failed.</summary>
public sealed class ServerLog : ILogEventSink
{
    private static readonly MessageTemplateTextFormatter Format = new("{Level:u3} {Message:lj}{Exception}");
    private readonly SynchronizedList<string> _lines = new();

    public void Emit(LogEvent logEvent)
    {
        var line = new StringWriter();
        Format.Format(logEvent, line);
        _lines.Add(line.ToString());
    }

    public List<string> Lines() => _lines.Snapshot();

    public int Count(string fragment) => Lines().Count(l => l.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Waits (bounded) until at least <paramref name="count"/> lines contain <paramref name="fragment"/>.</summary>
    public Task WaitForAsync(string fragment, int count = 1, TimeSpan? timeout = null) =>
        _lines.WaitUntilAsync(l => l.Count(x => x.Contains(fragment, StringComparison.Ordinal)) >= count,
            timeout ?? TimeSpan.FromSeconds(10), $"{count} log lines with \"{fragment}\"");
}
