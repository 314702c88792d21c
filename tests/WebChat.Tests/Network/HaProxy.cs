using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using WebChat.Tests.Infrastructure;
using WebChat.Tests.Operations;

namespace WebChat.Tests.Network;

/// <summary>
/// Debian's haproxy in front of both doors, on free loopback ports: TCP to the gateway with a PROXY v2 header
/// (<c>send-proxy-v2</c>), HTTP and WebSockets to Kestrel with <c>option forwardfor</c>. It connects to the app
/// from 127.0.0.1. Started for one test, stopped by its process id.
/// </summary>
public sealed class HaProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly ConcurrentQueue<string> _output = new();

    private HaProxy(Process process, string dir, int tcpPort, int httpPort) =>
        (_process, _dir, TcpPort, HttpPort) = (process, dir, tcpPort, httpPort);

    /// <summary>Where TCP clients connect (forwarded to the gateway with a PROXY header).</summary>
    public int TcpPort { get; }

    /// <summary>Where HTTP and hub clients connect (forwarded to Kestrel with X-Forwarded-For).</summary>
    public int HttpPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    public static async Task<HaProxy> StartAsync(int gatewayPort, int httpPort)
    {
        var (tcpFront, httpFront) = (NodeProcess.FreePort(), NodeProcess.FreePort());
        var dir = Directory.CreateTempSubdirectory("webchat-haproxy-").FullName;
        var config = Path.Combine(dir, "haproxy.cfg");
        await File.WriteAllTextAsync(config, $"""
            global
                maxconn 500
            defaults
                timeout connect 5s
                timeout client 60s
                timeout server 60s
                timeout tunnel 1h
            frontend gateway
                mode tcp
                bind 127.0.0.1:{tcpFront}
                default_backend gateway
            backend gateway
                mode tcp
                server node 127.0.0.1:{gatewayPort} send-proxy-v2
            frontend web
                mode http
                bind 127.0.0.1:{httpFront}
                option forwardfor
                http-request set-header X-Forwarded-Proto http
                default_backend web
            backend web
                mode http
                server node 127.0.0.1:{httpPort}

            """);
        var start = new ProcessStartInfo("haproxy", ["-db", "-f", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try { process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start"); }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("haproxy is not installed (scripts/test.sh installs it with apt-get)", ex);
        }
        var proxy = new HaProxy(process, dir, tcpFront, httpFront);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) proxy._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) proxy._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await proxy.WaitUntilListeningAsync(TimeSpan.FromSeconds(15));
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
        return proxy;
    }

    private async Task WaitUntilListeningAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var port in new[] { TcpPort, HttpPort })
        {
            while (true)
            {
                if (_process.HasExited) throw new InvalidOperationException($"haproxy exited ({_process.ExitCode}): {string.Join('\n', _output)}");
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).WaitAsync(TimeSpan.FromSeconds(1));
                    break;
                }
                catch (Exception ex) when (ex is SocketException or TimeoutException)
                {
                    if (DateTime.UtcNow > deadline) throw new TimeoutException($"haproxy is not listening on {port}: {string.Join('\n', _output)}");
                    await Task.Delay(50);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
