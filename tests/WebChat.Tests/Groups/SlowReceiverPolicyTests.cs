using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using WebChat.Gateway;
using WebChat.Groups;
using WebChat.Hubs;
using WebChat.Tests.Reliability;

namespace WebChat.Tests.Groups;

/// <summary>
/// One slow-receiver rule for both doors: past the limit a connection is cut only while its peer is not taking
/// data (its writer waits on the socket), or past four times the limit whatever the reason. A burst over the limit
/// that the peer takes as it comes (the server fell behind for a moment, a GC pause) is kept; a stalled peer is cut.
/// </summary>
public class SlowReceiverPolicyTests
{
    private const int Limit = 64 * 1024;
    private static readonly SlowReceiverPolicy Policy = new(Limit);

    [Theory]
    [InlineData(Limit, true, false)]              // at the limit: fine, even while waiting
    [InlineData(Limit + 1, true, true)]           // past it while the peer takes nothing: too slow
    [InlineData(Limit + 1, false, false)]         // past it while the peer takes data: the server fell behind
    [InlineData(4 * Limit, false, false)]
    [InlineData(4 * Limit + 1, false, true)]      // past four times the limit: cut whatever the reason
    public void TheRule(long unsent, bool waitingOnPeer, bool tooSlow) =>
        Assert.Equal(tooSlow, Policy.IsTooSlow(unsent, waitingOnPeer));

    [Fact]
    public async Task TcpABurstOverTheLimitQueuedWhileTheWriterHadNotRunIsKept()
    {
        var outbound = new Outbound(Policy);
        var line = new byte[1024];
        for (var i = 0; i < 2 * Limit / line.Length; i++) Assert.True(outbound.TryEnqueue(line)); // a GC pause: nothing written yet
        var pipe = new Pipe();
        outbound.Attach(pipe.Writer);
        long received = 0;
        while (received < 2 * Limit)
        {
            var read = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            received += read.Buffer.Length;
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }
        outbound.Complete();
        await outbound.Ended.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void HubABurstOverTheLimitThatThePeerTakesAsItComesIsKept()
    {
        var peer = new FakeHubPeer();
        var outbox = peer.Outbox();
        for (var i = 0; i < 2 * Limit / FakeHubPeer.Size; i++) outbox.Send(FakeHubPeer.Message(i));
        Assert.False(outbox.IsClosed);
        Assert.Equal(0, peer.Aborts);
        Assert.Equal(Enumerable.Range(0, 2 * Limit / FakeHubPeer.Size), peer.Written);
    }

    [Fact]
    public async Task HubABacklogBehindAPeerThatPausedIsWrittenInOrderOnceItReadsAgain()
    {
        var peer = new FakeHubPeer();
        var outbox = peer.Outbox();
        peer.Stall();
        for (var i = 0; i < Limit / FakeHubPeer.Size; i++) outbox.Send(FakeHubPeer.Message(i)); // up to the limit, not past it
        Assert.Equal(Limit, outbox.UnsentBytes);
        peer.Resume();
        await peer.WaitForWrittenAsync(Limit / FakeHubPeer.Size);
        Assert.Equal(Enumerable.Range(0, Limit / FakeHubPeer.Size), peer.Written);
        Assert.False(outbox.IsClosed);
    }

    [Fact]
    public void HubAStalledPeerIsCutOncePastTheLimit()
    {
        var peer = new FakeHubPeer();
        var outbox = peer.Outbox();
        peer.Stall();
        var sent = 0;
        while (!outbox.IsClosed && sent < 10 * Limit / FakeHubPeer.Size) outbox.Send(FakeHubPeer.Message(sent++));
        Assert.True(outbox.IsClosed);
        Assert.Equal(Limit / FakeHubPeer.Size + 1, sent); // the first message past the limit
        Assert.Equal(1, peer.Aborts);
        outbox.Send(FakeHubPeer.Message(sent));
        Assert.Equal(1, peer.Aborts); // cut once; nothing more is taken
    }

    [Fact]
    public void TcpAStalledPeerIsCutOncePastTheLimit()
    {
        var outbound = new Outbound(Policy);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        outbound.Attach(pipe.Writer); // nobody reads the pipe: the output ends up waiting on its flush
        var line = new byte[1024];
        var accepted = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (outbound.TryEnqueue(line))
        {
            accepted++;
            Assert.True(DateTime.UtcNow < deadline, "a peer that takes nothing was never cut off");
            if (accepted % 16 == 0) Thread.Yield();
        }
        Assert.InRange((long)accepted * line.Length, Limit, 4 * Limit);
    }

    [Fact]
    public void TcpAnEndlessBacklogIsCutAtFourTimesTheLimitWhateverTheReason()
    {
        var outbound = new Outbound(Policy); // its writer never runs: nobody waits on the peer
        var line = new byte[1024];
        var accepted = 0;
        while (outbound.TryEnqueue(line)) accepted++;
        Assert.Equal(4 * Limit / line.Length, accepted);
    }

    [Fact]
    public async Task TcpStraightToTheSocketABacklogBehindAFullKernelBufferArrivesWholeAndInOrder()
    {
        var (outbound, server, client) = await OnASocketPairAsync();
        using var _ = server;
        using var __ = client;
        var expected = new List<byte>();
        for (var i = 0; i < Limit / 128; i++) // up to the limit while the peer reads nothing: the kernel's buffer fills
        {
            var line = System.Text.Encoding.ASCII.GetBytes($"{i:D6} ".PadRight(127, 'x') + "\n");
            Assert.True(outbound.TryWrite(line));
            if (i % 7 == 0) outbound.Flush(); // runs of several lines, as the sink writes them
            expected.AddRange(line);
        }
        outbound.Flush();
        var received = new byte[expected.Count];
        var read = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (read < received.Length) read += await client.ReceiveAsync(received.AsMemory(read), SocketFlags.None, timeout.Token);
        Assert.Equal(expected.ToArray(), received);
        outbound.Complete();
        await outbound.Ended.WaitAsync(TimeSpan.FromSeconds(10)); // it ends only once its queue is empty
        Assert.Equal(0, outbound.UnsentBytes);
    }

    [Fact]
    public async Task TcpStraightToTheSocketAStalledPeerIsCutOncePastTheLimit()
    {
        var (outbound, server, client) = await OnASocketPairAsync();
        using var _ = server;
        using var __ = client;
        var line = new byte[1024];
        var accepted = 0;
        while (outbound.TryEnqueue(line))
        {
            accepted++;
            Assert.True(accepted < 100 * Limit / line.Length, "a peer that takes nothing was never cut off");
        }
        // What the kernel took does not count as unsent; past that, the limit applies as on the pipe.
        Assert.InRange(outbound.UnsentBytes, Limit, 4 * Limit + line.Length);
    }

    /// <summary>An outbound attached to the server end of a connected loopback pair with small buffers, so a
    /// peer that does not read fills them quickly.</summary>
    private static async Task<(Outbound Outbound, Socket Server, Socket Client)> OnASocketPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(listener.LocalEndPoint!);
        var server = await listener.AcceptAsync();
        server.SendBufferSize = 4096;
        var outbound = new Outbound(Policy);
        outbound.Attach(new Pipe().Writer, server);
        return (outbound, server, client);
    }

    /// <summary>A hub connection's writes: complete at once while the peer reads, pending while it is stalled.</summary>
    private sealed class FakeHubPeer
    {
        public const int Size = 1024;
        private readonly SynchronizedList<int> _written = new();
        private TaskCompletionSource? _stalled;

        public int Aborts;

        public List<int> Written => _written.Snapshot();

        public static SerializedHubMessage Message(int n) => new(new InvocationMessage("MessageReceived", [n]));

        public HubOutbox Outbox() => new("c1", "127.0.0.1", Policy, WriteAsync, _ => Size, () => Interlocked.Increment(ref Aborts));

        public void Stall() => _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Resume()
        {
            var stalled = _stalled;
            _stalled = null;
            stalled?.SetResult();
        }

        public Task WaitForWrittenAsync(int count) => _written.WaitForCountAsync(count, TimeSpan.FromSeconds(10));

        private ValueTask WriteAsync(SerializedHubMessage message)
        {
            var n = (int)((InvocationMessage)message.Message!).Arguments[0]!;
            if (_stalled is { } stalled) return new ValueTask(stalled.Task.ContinueWith(_ => _written.Add(n), TaskScheduler.Default));
            _written.Add(n);
            return ValueTask.CompletedTask;
        }
    }
}
