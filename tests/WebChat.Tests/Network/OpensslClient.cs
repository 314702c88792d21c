using System.Diagnostics;
using System.Threading.Channels;

namespace WebChat.Tests.Network;

/// <summary><c>openssl s_client -quiet</c> on the gateway's TLS port, as a user would run it: lines in on its stdin, lines out of its stdout.</summary>
public sealed class OpensslClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task _reading;

    private OpensslClient(Process process)
    {
        _process = process;
        _reading = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line) _lines.Writer.TryWrite(line);
            _lines.Writer.TryComplete();
        });
    }

    public static OpensslClient Start(int port)
    {
        var process = Process.Start(new ProcessStartInfo("openssl", $"s_client -quiet -connect 127.0.0.1:{port} -servername localhost")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Cannot start openssl");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        return new OpensslClient(process);
    }

    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Skips lines until one matches (bounded wait).</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var seen = new List<string>();
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                seen.Add(line);
                if (match(line)) return line;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"openssl s_client: no matching line; it printed: {string.Join(" | ", seen)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await _reading.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
    }
}
