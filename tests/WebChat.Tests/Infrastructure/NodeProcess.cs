using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using WebChat.Tests.Operations;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// A WebChat node as its own process, for what an in-process host cannot show: SIGTERM as <c>docker stop</c>
/// sends it, SIGKILL as <c>kill -9</c>, a real exit code. Two ways to start one: the published app as the
/// container starts it (<see cref="StartAsync(PublishedApp)"/>), or the WebChat.dll built beside the tests
/// with a settings dictionary (<see cref="StartBuiltAsync"/>). Either way only the given settings reach it
/// (inherited <c>Chat__</c>, <c>ASPNETCORE_</c>... variables are removed) and it listens on free ports.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private static readonly string[] ScrubbedPrefixes = ["ASPNETCORE_", "DOTNET_ENVIRONMENT", "Chat__", "Logging__", "Serilog__", "ConnectionStrings__"];

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    public int HttpPort { get; }
    public int TcpPort { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");
    public string Output => string.Join('\n', _output);
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    private string? _ownDataFolder;

    private NodeProcess(Process process, int httpPort, int tcpPort) => (_process, HttpPort, TcpPort) = (process, httpPort, tcpPort);

    /// <summary>
    /// The published app started as the container starts it: the Dockerfile's entry point, run in the folder
    /// that stands for its WORKDIR, with its ENV, only the two ports moved to free ones through the same keys.
    /// <paramref name="settings"/> ("Chat:DataPath" style keys) go on top. Unless they name <c>Chat:DataPath</c>,
    /// the node keeps its groups in a folder of its own, deleted with it, so that no node restores what another left.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(PublishedApp app, IDictionary<string, string?>? settings = null)
    {
        var node = Launch(app, settings);
        await node.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Starts the published app without waiting for it (for a start that is meant to fail).</summary>
    public static NodeProcess Launch(PublishedApp app, IDictionary<string, string?>? settings = null)
    {
        var docker = app.Dockerfile;
        var (httpPort, tcpPort) = (FreePort(), FreePort());
        var environment = new Dictionary<string, string?>(docker.Env.Select(e => KeyValuePair.Create(e.Key, (string?)e.Value)))
        {
            ["ASPNETCORE_URLS"] = MovePort(docker.Env["ASPNETCORE_URLS"], docker.HttpPort, httpPort),
            ["Chat__Gateway__Port"] = tcpPort.ToString(),
        };
        return Launch(docker.EntryPoint, app.Folder, environment, settings, httpPort, tcpPort);
    }

    /// <summary>
    /// The WebChat.dll built into the test's output folder, under <c>dotnet</c>, with these settings
    /// (<c>Chat:Redis:...</c> or <c>Chat__Redis__...</c>) on top of a fast password hash, per-address
    /// limits raised for a test's loopback clients, and free ports.
    /// </summary>
    public static async Task<NodeProcess> StartBuiltAsync(IDictionary<string, string?> settings, int? http = null, int? tcp = null)
    {
        // Given ports let a restarted node take its predecessor's address (a page reconnects to it).
        var (httpPort, tcpPort) = (http ?? FreePort(), tcp ?? FreePort());
        var environment = new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}",
            ["Chat__Gateway__Port"] = tcpPort.ToString(),
            ["Chat__PasswordHashIterations"] = "1000",
            // Every client of a test comes from 127.0.0.1: the per-address limits would count them as one.
            ["Chat__Limits__JoinsPerMinute"] = "100000",
            ["Chat__Limits__GroupsPerAddress"] = "100000",
            ["Chat__Limits__HubConnectionsPerAddress"] = "100000",
        };
        var node = Launch(["dotnet", Path.Combine(AppContext.BaseDirectory, "WebChat.dll")], AppContext.BaseDirectory, environment, settings,
            httpPort, tcpPort);
        await node.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    private static NodeProcess Launch(IReadOnlyList<string> command, string directory,
        IDictionary<string, string?> environment, IDictionary<string, string?>? settings, int httpPort, int tcpPort)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = directory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in command.Skip(1)) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => ScrubbedPrefixes.Any(k.StartsWith)).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        string? ownData = null;
        if (settings?.Keys.Any(k => k.Replace("__", ":") == "Chat:DataPath") != true)
        {
            ownData = Path.Combine(Path.GetTempPath(), "webchat-data-" + Guid.NewGuid().ToString("N")[..8]);
            start.Environment["Chat__DataPath"] = ownData;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) start.Environment[key.Replace(":", "__")] = value;

        var node = new NodeProcess(Process.Start(start) ?? throw new InvalidOperationException($"{command[0]} did not start"), httpPort, tcpPort)
        {
            _ownDataFolder = ownData,
        };
        var process = node._process;
        // A test run that ends abruptly must not leave nodes behind holding ports.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Replaces the port in a URL-ish text such as <c>http://+:8080</c> or <c>http://127.0.0.1:8080/healthz</c>.</summary>
    public static string MovePort(string text, int from, int to) => text.Replace($":{from}", $":{to}");

    /// <summary>Sends SIGTERM, as <c>docker stop</c> does.</summary>
    public void Terminate() => Assert.Equal(0, kill(_process.Id, 15));

    /// <summary>SIGKILL, as <c>kill -9</c>: the process ends at once, no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Waits for the process to exit and returns its exit code, or fails after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"The node did not exit within {timeout.TotalSeconds} s. Output:\n{Output}"); }
        return _process.ExitCode;
    }

    public async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        // No timeout per request: a probe the client gave up on while the node was still starting (JIT on a busy
        // machine) would be logged by the node as an aborted request, and the logging tests read those logs.
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var cts = new CancellationTokenSource(timeout);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("healthz", cts.Token)).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The node did not answer /healthz within {timeout.TotalSeconds} s (exited: {_process.HasExited}). Output:\n{Output}");
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (_ownDataFolder is not null && Directory.Exists(_ownDataFolder)) Directory.Delete(_ownDataFolder, recursive: true);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
