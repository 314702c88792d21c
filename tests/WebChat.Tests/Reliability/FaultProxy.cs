using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace WebChat.Tests.Reliability;

public enum Direction { Upstream, Downstream }

/// <summary>
/// A TCP proxy between test clients and a door (the gateway, or Kestrel for SignalR over WebSockets) with
/// switchable faults: a delay per chunk, chunks cut small, stalled reads, dropped connections, and a cut
/// after N more bytes (mid-frame). Its outbound side can bind a chosen loopback address, so the server
/// sees the clients behind it as coming from that address.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly IPAddress? _source;
    private readonly ConcurrentDictionary<Pair, byte> _pairs = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Gate[] _gates = [new(), new()];
    private int _accepted;

    public FaultProxy(int targetPort, IPAddress? sourceAddress = null)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _source = sourceAddress;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    /// <summary>A delay before forwarding each chunk, both ways.</summary>
    public TimeSpan DelayPerChunk { get; set; }

    /// <summary>Chunks are forwarded in pieces of at most this many bytes, so frames and lines arrive split.</summary>
    public int MaxChunk { get; set; } = 64 * 1024;

    public int Accepted => Volatile.Read(ref _accepted);

    public int Open => _pairs.Count;

    /// <summary>Stops reading in one direction (TCP back-pressure builds up behind it) until <see cref="Resume"/>.</summary>
    public void Stall(Direction direction) => _gates[(int)direction].Close();

    public void Resume(Direction direction) => _gates[(int)direction].Open();

    /// <summary>Drops every open connection with a reset, both sides.</summary>
    public void DropAll()
    {
        foreach (var pair in _pairs.Keys) pair.Abort();
    }

    /// <summary>For every open connection: let <paramref name="bytes"/> more bytes through in that direction, then drop it.</summary>
    public void CutAfter(Direction direction, int bytes)
    {
        foreach (var pair in _pairs.Keys) Interlocked.Exchange(ref pair.Budget[(int)direction], bytes);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var gate in _gates) gate.Open();
        DropAll();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            Interlocked.Increment(ref _accepted);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        try
        {
            if (_source is not null) server.Bind(new IPEndPoint(_source, 0));
            await server.ConnectAsync(_target, _stop.Token);
        }
        catch (Exception)
        {
            Pair.Reset(client);
            server.Dispose();
            return;
        }
        var pair = new Pair(client, server);
        _pairs[pair] = 0;
        try
        {
            await Task.WhenAll(PumpAsync(pair, client, server, Direction.Upstream), PumpAsync(pair, server, client, Direction.Downstream));
        }
        finally
        {
            _pairs.TryRemove(pair, out _);
            pair.Abort();
        }
    }

    private async Task PumpAsync(Pair pair, Socket from, Socket to, Direction direction)
    {
        var buffer = new byte[16 * 1024];
        var gate = _gates[(int)direction];
        try
        {
            while (true)
            {
                await gate.WaitAsync(_stop.Token);
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                for (var offset = 0; offset < n;)
                {
                    var size = Math.Min(n - offset, Math.Max(1, MaxChunk));
                    if (DelayPerChunk > TimeSpan.Zero) await Task.Delay(DelayPerChunk, _stop.Token);
                    var budget = Interlocked.Add(ref pair.Budget[(int)direction], -size) + size;
                    if (budget < size)
                    {
                        if (budget > 0) await SendAllAsync(to, buffer.AsMemory(offset, (int)budget));
                        pair.Abort();
                        return;
                    }
                    await SendAllAsync(to, buffer.AsMemory(offset, size));
                    offset += size;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            pair.Abort();
        }
    }

    private static async Task SendAllAsync(Socket to, ReadOnlyMemory<byte> bytes)
    {
        while (bytes.Length > 0) bytes = bytes[await to.SendAsync(bytes, SocketFlags.None)..];
    }

    private sealed class Pair(Socket client, Socket server)
    {
        public readonly long[] Budget = [long.MaxValue / 2, long.MaxValue / 2];
        private int _aborted;

        public void Abort()
        {
            if (Interlocked.Exchange(ref _aborted, 1) == 1) return;
            Reset(client);
            Reset(server);
        }

        public static void Reset(Socket socket)
        {
            try { socket.LingerState = new LingerOption(true, 0); } catch (Exception) { }
            socket.Dispose();
        }
    }

    /// <summary>Open by default; while closed, readers wait.</summary>
    private sealed class Gate
    {
        private volatile TaskCompletionSource _open = Opened();

        public void Close()
        {
            if (_open.Task.IsCompleted) _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Open() => _open.TrySetResult();

        public Task WaitAsync(CancellationToken ct) => _open.Task.WaitAsync(ct);

        private static TaskCompletionSource Opened()
        {
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tcs.SetResult();
            return tcs;
        }
    }
}
