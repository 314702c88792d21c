using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace WebChat.Bench.Adapters;

public enum Match { Continue, Done, Fail }

/// <summary>
/// A TCP connection that reads LF-terminated lines (a CR before the LF is dropped) and writes
/// through a non-blocking send queue. Lines that carry the payload marker go straight to the
/// sink (no allocation); all other lines are decoded and handed to the adapter's control hook
/// and, while <see cref="ForwardControlLines"/> is set, to <see cref="ExpectAsync"/>.
/// </summary>
public sealed class LineConnection : IAsyncDisposable
{
    private const int MaxLineBytes = 64 * 1024;
    private readonly Socket _socket;
    private readonly Channel<string> _control = Channel.CreateUnbounded<string>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SendQueue _send;
    private volatile bool _open = true;

    public volatile IDeliverySink? Sink;
    /// <summary>Called for every non-payload line on the receive thread (e.g. IRC PING).</summary>
    public Action<LineConnection, string>? ControlHook;
    public volatile bool ForwardControlLines = true;
    public string? CloseReason { get; private set; }
    public bool IsOpen => _open;
    public Task Completion => _closed.Task;
    public long PendingSendBytes => _send.PendingBytes;

    private LineConnection(Socket s)
    {
        _socket = s;
        _send = new SendQueue(SendAllAsync, () => _open,
            e => Close(e is SocketException se ? $"send failed: {se.SocketErrorCode}" : "send failed: " + e.Message));
    }

    /// <summary>Diagnostic (--tcp-quickack): re-arm TCP_QUICKACK after every receive so the generator
    /// never delays its ACKs. Shows how much of a server's tail latency is Nagle (server without
    /// TCP_NODELAY) waiting on the client's delayed ACK. Off by default: real clients delay ACKs.</summary>
    public static bool QuickAck;
    private static readonly byte[] One = BitConverter.GetBytes(1);

    public static async Task<LineConnection> ConnectAsync(string host, int port, int recvBuf, CancellationToken ct)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            IPAddress ip = IPAddress.TryParse(host, out var a) ? a
                : (await Dns.GetHostAddressesAsync(host, ct)).First(x => x.AddressFamily == AddressFamily.InterNetwork);
            await s.ConnectAsync(new IPEndPoint(ip, port), ct);
        }
        catch
        {
            s.Dispose();
            throw;
        }
        var c = new LineConnection(s);
        _ = c.ReceiveLoopAsync(recvBuf);
        return c;
    }

    private async Task ReceiveLoopAsync(int recvBuf)
    {
        byte[] buf = new byte[recvBuf];
        int start = 0, end = 0;
        try
        {
            while (true)
            {
                if (end == buf.Length)
                {
                    if (start > 0)
                    {
                        Buffer.BlockCopy(buf, start, buf, 0, end - start);
                        end -= start; start = 0;
                    }
                    else if (buf.Length < MaxLineBytes)
                    {
                        Array.Resize(ref buf, Math.Min(buf.Length * 2, MaxLineBytes));
                    }
                    else
                    {
                        HandleLine(buf.AsSpan(0, end)); // over-long line: hand it over as it is
                        start = end = 0;
                    }
                }
                int n = await _socket.ReceiveAsync(buf.AsMemory(end), SocketFlags.None);
                if (n == 0) { Close("closed by server"); break; }
                if (QuickAck) { try { _socket.SetRawSocketOption(6 /* IPPROTO_TCP */, 12 /* TCP_QUICKACK */, One); } catch { } }
                int scanFrom = end;
                end += n;
                while (true)
                {
                    int nl = buf.AsSpan(scanFrom, end - scanFrom).IndexOf((byte)'\n');
                    if (nl < 0) break;
                    int lineEnd = scanFrom + nl;
                    int len = lineEnd - start;
                    if (len > 0 && buf[lineEnd - 1] == (byte)'\r') len--;
                    HandleLine(buf.AsSpan(start, len));
                    start = lineEnd + 1;
                    scanFrom = start;
                }
                if (start == end) start = end = 0;
            }
        }
        catch (Exception e)
        {
            Close(e is SocketException se ? $"socket error {se.SocketErrorCode}" : e.GetType().Name + ": " + e.Message);
        }
    }

    private void HandleLine(ReadOnlySpan<byte> line)
    {
        var sink = Sink;
        if (sink != null && line.IndexOf(Payload.Marker) >= 0)
        {
            sink.OnPayload(line);
            return;
        }
        if (line.Length == 0) return;
        string text = Text.Utf8.GetString(line);
        ControlHook?.Invoke(this, text);
        if (ForwardControlLines) _control.Writer.TryWrite(text);
        else sink?.OnOtherLine(text);
    }

    /// <summary>Reads control lines until <paramref name="match"/> says Done (returns that line)
    /// or Fail (throws SetupException with the line), the timeout passes or the connection ends.</summary>
    public async Task<string> ExpectAsync(Func<string, Match> match, TimeSpan timeout, string what, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var readTask = _control.Reader.ReadAsync(cts.Token).AsTask();
                var done = await Task.WhenAny(readTask, _closed.Task);
                if (done != readTask && !_control.Reader.TryPeek(out _))
                    throw new SetupException($"connection closed while waiting for {what} ({CloseReason})");
                string line = await readTask;
                switch (match(line))
                {
                    case Match.Done: return line;
                    case Match.Fail: throw new SetupException($"refused while waiting for {what}: {line.Trim()}");
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SetupException($"timed out after {timeout.TotalSeconds:0}s waiting for {what}");
        }
    }

    public void SendText(string s) => Send(Text.Utf8.GetBytes(s));

    /// <summary>Queues bytes and starts a flush if none is running; never blocks on the socket.</summary>
    public void Send(ReadOnlySpan<byte> data) => _send.Enqueue(data);

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> chunk)
    {
        while (chunk.Length > 0)
        {
            int n = await _socket.SendAsync(chunk, SocketFlags.None);
            if (n <= 0) throw new SocketException((int)SocketError.ConnectionReset);
            chunk = chunk[n..];
        }
    }

    public void Close(string reason)
    {
        if (!_open) return;
        _open = false;
        CloseReason ??= reason;
        try { _socket.Shutdown(SocketShutdown.Both); } catch { }
        try { _socket.Close(); } catch { }
        _closed.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        Close("closed by generator");
        return ValueTask.CompletedTask;
    }
}
