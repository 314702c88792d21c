using System.Diagnostics;

namespace WebChat.Scale.Tests.Infrastructure;

/// <summary>
/// A node as its own process (the built WebChat.dll under `dotnet`), so that a test can kill it
/// like kill -9: no shutdown code runs, its members are left in Redis for the others to sweep.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NodeProcess(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    public Uri BaseAddress { get; }

    public static async Task<NodeProcess> StartAsync(IDictionary<string, string?> settings)
    {
        var app = Path.Combine(AppContext.BaseDirectory, "WebChat.dll");
        var port = RedisServer.FreePort();
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(app);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("Chat__") || k.StartsWith("ConnectionStrings__")).ToList())
            info.Environment.Remove(key);     // only this test's settings
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["Chat__PasswordHashIterations"] = "1000";
        info.Environment["Chat__Limits__JoinsPerMinute"] = "100000";
        info.Environment["Chat__Limits__GroupsPerAddress"] = "100000";
        info.Environment["Chat__Limits__HubConnectionsPerAddress"] = "100000";
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { process.Kill(); } catch (InvalidOperationException) { } };
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new NodeProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        await Health.WaitForAsync(node.BaseAddress, 200, TimeSpan.FromSeconds(30));
        return node;
    }

    /// <summary>SIGKILL: the process ends at once, without leaving its groups.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
