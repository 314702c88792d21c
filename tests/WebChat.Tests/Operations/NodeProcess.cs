using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WebChat.Tests.Operations;

/// <summary>
/// The published app started as the container starts it: the Dockerfile's entry point, run in the
/// folder that stands for its WORKDIR, with its ENV, only the two ports moved to free ones through
/// the same keys. Stopped with SIGTERM, as <c>docker stop</c> does. Or (<see cref="StartBuiltAsync"/>) the app as
/// built beside the tests, for tests that need a node to stop and start again without publishing it.
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

    private string? _ownDataFolder;

    private NodeProcess(Process process, int httpPort, int tcpPort) => (_process, HttpPort, TcpPort) = (process, httpPort, tcpPort);

    /// <summary>
    /// Starts the node and waits until it is healthy. <paramref name="settings"/> ("Chat:DataPath" style keys) go on
    /// top of the Dockerfile's ENV. Unless they name <c>Chat:DataPath</c>, the node keeps its groups in a folder of its
    /// own, deleted with it, so that no node restores what another test left.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(PublishedApp app, IDictionary<string, string?>? settings = null)
    {
        var node = Launch(app, settings);
        await node.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Starts the node without waiting for it (for a start that is meant to fail).</summary>
    public static NodeProcess Launch(PublishedApp app, IDictionary<string, string?>? settings = null)
    {
        var docker = app.Dockerfile;
        var (httpPort, tcpPort) = (FreePort(), FreePort());
        var env = new Dictionary<string, string?>(docker.Env.ToDictionary(e => e.Key, e => (string?)e.Value))
        {
            ["ASPNETCORE_URLS"] = MovePort(docker.Env["ASPNETCORE_URLS"], docker.HttpPort, httpPort),
        };
        return Launch(docker.EntryPoint, app.Folder, env, settings, httpPort, tcpPort);
    }

    /// <summary>
    /// The app as built beside the tests (<c>dotnet WebChat.dll</c> in the test's output folder), on loopback, with
    /// plain-text logs. Given ports let a restarted node take its predecessor's address (a page reconnects to it).
    /// </summary>
    public static async Task<NodeProcess> StartBuiltAsync(IDictionary<string, string?>? settings = null, int? httpPort = null, int? tcpPort = null)
    {
        var (http, tcp) = (httpPort ?? FreePort(), tcpPort ?? FreePort());
        var env = new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}" };
        var node = Launch(["dotnet", "WebChat.dll"], AppContext.BaseDirectory, env, settings, http, tcp);
        await node.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    private static NodeProcess Launch(IReadOnlyList<string> command, string folder, Dictionary<string, string?> env,
        IDictionary<string, string?>? settings, int httpPort, int tcpPort)
    {
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in command.Skip(1)) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => ScrubbedPrefixes.Any(k.StartsWith)).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in env) start.Environment[key] = value;
        start.Environment["Chat__Gateway__Port"] = tcpPort.ToString();
        string? ownData = null;
        if (settings?.ContainsKey("Chat:DataPath") != true)
        {
            ownData = Path.Combine(Path.GetTempPath(), "webchat-data-" + Guid.NewGuid().ToString("N")[..8]);
            start.Environment["Chat__DataPath"] = ownData;
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) start.Environment[key.Replace(":", "__")] = value;

        var node = new NodeProcess(Process.Start(start)!, httpPort, tcpPort) { _ownDataFolder = ownData };
        node._process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        node._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Replaces the port in a URL-ish text such as <c>http://+:8080</c> or <c>http://127.0.0.1:8080/healthz</c>.</summary>
    public static string MovePort(string text, int from, int to) => text.Replace($":{from}", $":{to}");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Sends SIGTERM, as <c>docker stop</c> does.</summary>
    public void Terminate() => Assert.Equal(0, kill(_process.Id, 15));

    /// <summary>SIGKILL, as a crash: no shutdown code runs.</summary>
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
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                if ((await http.GetAsync("healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The node did not answer /healthz within {timeout.TotalSeconds} s (exited: {_process.HasExited}). Output:\n{Output}");
    }

    private static int FreePort()
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
