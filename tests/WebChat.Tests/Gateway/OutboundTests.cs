using System.IO.Pipelines;
using WebChat.Gateway;

namespace WebChat.Tests.Gateway;

/// <summary>The slow-receiver rule: cut a peer that does not take data, not everyone when the server falls behind.</summary>
public class OutboundTests
{
    private const int Limit = 64 * 1024;
    private static readonly byte[] Line = new byte[1024];

    [Fact]
    public async Task ABacklogWhileTheWriterHasNotRunIsNotASlowReceiver()
    {
        var outbound = new Outbound(Limit);
        // The server fell behind: 2x the limit queued before the writer got to run.
        for (var i = 0; i < 2 * Limit / Line.Length; i++) Assert.True(outbound.TryEnqueue(Line));

        var pipe = new Pipe();
        var writer = outbound.RunWriterAsync(pipe.Writer);
        var received = 0L;
        while (received < 2 * Limit)
        {
            var read = await pipe.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            received += read.Buffer.Length;
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }
        Assert.Equal(2L * Limit, received);
        outbound.Complete();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task APeerThatStopsTakingDataIsCutPastTheLimit()
    {
        var outbound = new Outbound(Limit);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048));
        _ = outbound.RunWriterAsync(pipe.Writer); // nobody reads the pipe: the writer ends up waiting on its flush
        var accepted = 0;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (outbound.TryEnqueue(Line))
        {
            accepted++;
            Assert.True(DateTime.UtcNow < deadline, "a peer that takes nothing was never cut off");
            if (accepted % 16 == 0) await Task.Yield();
        }
        Assert.InRange(accepted * Line.Length, Limit, 4 * Limit);
    }

    [Fact]
    public void AnEndlessBacklogIsCutAtFourTimesTheLimitWhateverTheReason()
    {
        var outbound = new Outbound(Limit);
        var accepted = 0;
        while (outbound.TryEnqueue(Line)) accepted++;
        Assert.Equal(4 * Limit / Line.Length, accepted);
    }
}
