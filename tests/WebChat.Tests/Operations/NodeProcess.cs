using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace WebChat.Tests.Operations;

/// <summary>
/// The published app started as the container starts it: the Dockerfile's entry point, run in the
/// folder that stands for its WORKDIR, with its ENV, only the two ports moved to free ones through
/// the same keys. Stopped with SIGTERM, as <c>docker stop</c> does.
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

    private NodeProcess(Process process, int httpPort, int tcpPort) => (_process, HttpPort, TcpPort) = (process, httpPort, tcpPort);

    public static async Task<NodeProcess> StartAsync(PublishedApp app)
    {
        var docker = app.Dockerfile;
        var (httpPort, tcpPort) = (FreePort(), FreePort());
        var start = new ProcessStartInfo(docker.EntryPoint[0])
        {
            WorkingDirectory = app.Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in docker.EntryPoint.Skip(1)) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => ScrubbedPrefixes.Any(k.StartsWith)).ToList()) start.Environment.Remove(key);
        foreach (var (key, value) in docker.Env) start.Environment[key] = value;
        start.Environment["ASPNETCORE_URLS"] = MovePort(docker.Env["ASPNETCORE_URLS"], docker.HttpPort, httpPort);
        start.Environment["Chat__Gateway__Port"] = tcpPort.ToString();

        var node = new NodeProcess(Process.Start(start)!, httpPort, tcpPort);
        node._process.OutputDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        node._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) node._output.Enqueue(e.Data); };
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        await node.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>Replaces the port in a URL-ish text such as <c>http://+:8080</c> or <c>http://127.0.0.1:8080/healthz</c>.</summary>
    public static string MovePort(string text, int from, int to) => text.Replace($":{from}", $":{to}");

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Sends SIGTERM, as <c>docker stop</c> does.</summary>
    public void Terminate() => Assert.Equal(0, kill(_process.Id, 15));

    /// <summary>Waits for the process to exit and returns its exit code, or fails after the timeout.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"The node did not exit within {timeout.TotalSeconds} s. Output:\n{Output}"); }
        return _process.ExitCode;
    }

    private async Task WaitUntilHealthyAsync(TimeSpan timeout)
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

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
