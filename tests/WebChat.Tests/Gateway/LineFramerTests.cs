using System.Buffers;
using System.Text;
using WebChat.Gateway;

namespace WebChat.Tests.Gateway;

public class LineFramerTests
{
    private const string TooLong = "<too long>";

    private static readonly byte[] Dialogue = [.. Encoding.UTF8.GetBytes("1\nHadas\r\n12345\nשלום 😀\r\n\na\rb\n"), 0xFF, 0xC3, (byte)'a', (byte)'\n'];
    private static readonly string[] DialogueLines = ["1", "Hadas", "12345", "שלום 😀", "", "a\rb", "\uFFFD\uFFFDa"];

    [Fact]
    public void EverySplitIntoThreePacketsGivesTheSameLines()
    {
        for (var i = 0; i <= Dialogue.Length; i++)
            for (var j = i; j <= Dialogue.Length; j++)
                Assert.Equal(DialogueLines, Frame([Dialogue[..i], Dialogue[i..j], Dialogue[j..]]));
    }

    [Fact]
    public void OneBytePacketsAndOneByteSegmentsGiveTheSameLines()
    {
        Assert.Equal(DialogueLines, Frame(Dialogue.Select(b => new[] { b })));
        var buffer = Segments(Dialogue.Select(b => new[] { b }).ToArray());
        var discarding = false;
        var lines = new List<string>();
        while (LineFramer.TryReadLine(ref buffer, ref discarding, out var line) == LineStatus.Line) lines.Add(LineFramer.Decode(line));
        Assert.Equal(DialogueLines, lines);
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void OnlyACrRightBeforeTheLfIsDropped()
    {
        Assert.Equal(["a\r", "\rb", ""], Frame([Encoding.UTF8.GetBytes("a\r\r\n\rb\n\r\n")]));
    }

    [Fact]
    public void ALineOfExactlyTheLimitPassesAndOneByteMoreIsRefused()
    {
        var max = new string('x', LineFramer.MaxLineBytes);
        Assert.Equal([max, TooLong, max, "next"],
            Frame([Encoding.UTF8.GetBytes($"{max}\n{max}y\n{max}\r\nnext\n")]));
    }

    [Fact]
    public void AnOverLongLineIsRefusedOnceAndDiscardedUpToItsLfAtEverySplit()
    {
        var input = Encoding.UTF8.GetBytes(new string('z', 3 * LineFramer.MaxLineBytes) + "\nafter\n");
        foreach (var cut in Enumerable.Range(0, 40).Select(k => k * input.Length / 40).Concat([LineFramer.MaxLineBytes, LineFramer.MaxLineBytes + 1, LineFramer.MaxLineBytes + 2, input.Length - 7, input.Length - 6]))
            Assert.Equal([TooLong, "after"], Frame([input[..cut], input[cut..]]));
        Assert.Equal([TooLong, "after"], Frame(input.Chunk(1000)));
    }

    [Fact]
    public void WithoutLfNothingIsTakenAndAtMostOneLineIsKept()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(new string('q', LineFramer.MaxLineBytes + 1)));
        var discarding = false;
        Assert.Equal(LineStatus.NeedMore, LineFramer.TryReadLine(ref buffer, ref discarding, out _));
        Assert.Equal(LineFramer.MaxLineBytes + 1, buffer.Length);

        var longer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(new string('q', LineFramer.MaxLineBytes + 2)));
        Assert.Equal(LineStatus.TooLong, LineFramer.TryReadLine(ref longer, ref discarding, out _));
        Assert.True(discarding);
        Assert.Equal(0, longer.Length);
    }

    [Fact]
    public void AfterSilenceThePendingChunkIsALineWithoutItsCr()
    {
        Assert.Equal("Hadas", Pending("Hadas"u8.ToArray(), out var rest));
        Assert.Equal(0, rest);
        Assert.Equal("12345", Pending("12345\r"u8.ToArray(), out _));
    }

    [Fact]
    public void AfterSilenceACharacterCutInTheMiddleWaitsForItsOtherBytes()
    {
        var text = Encoding.UTF8.GetBytes("שלום 😀");
        for (var cut = 2; cut < text.Length; cut++) // from the end of the first character on
        {
            var whole = Encoding.UTF8.GetString(text[..cut].Concat(text[cut..]).ToArray());
            var buffer = new ReadOnlySequence<byte>(text[..cut]);
            LineFramer.TakePending(ref buffer, out var first);
            var kept = buffer.ToArray();
            Assert.DoesNotContain('\uFFFD', LineFramer.Decode(first));
            Assert.Equal(whole, LineFramer.Decode(first) + Encoding.UTF8.GetString([.. kept, .. text[cut..]]));
        }
    }

    [Fact]
    public void AfterSilenceALoneBrokenCharacterIsTakenAsReplacement()
    {
        Assert.Equal("\uFFFD", Pending([0xE2, 0x82], out var rest));
        Assert.Equal(0, rest);
    }

    [Fact]
    public void AfterSilenceAChunkOverTheLimitIsRefused()
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(new string('q', LineFramer.MaxLineBytes + 1)));
        Assert.Equal(LineStatus.TooLong, LineFramer.TakePending(ref buffer, out _));
        Assert.Equal(0, buffer.Length);
    }

    [Fact]
    public void InvalidBytesBecomeReplacementCharacters()
    {
        Assert.Equal(["\uFFFDok\uFFFD\u0000"], Frame([[0xC0, (byte)'o', (byte)'k', 0xF5, 0x00, (byte)'\n']]));
    }

    private static string Pending(byte[] bytes, out long rest)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(LineStatus.Line, LineFramer.TakePending(ref buffer, out var line));
        rest = buffer.Length;
        return LineFramer.Decode(line);
    }

    /// <summary>Frames packets as a reader would: what is left after each packet is kept and the next one appended as a new segment.</summary>
    private static List<string> Frame(IEnumerable<byte[]> packets)
    {
        var lines = new List<string>();
        var discarding = false;
        byte[] left = [];
        foreach (var packet in packets)
        {
            var buffer = Segments(left, packet);
            while (true)
            {
                var status = LineFramer.TryReadLine(ref buffer, ref discarding, out var line);
                if (status == LineStatus.NeedMore) break;
                lines.Add(status == LineStatus.Line ? LineFramer.Decode(line) : TooLong);
            }
            Assert.True(buffer.Length <= LineFramer.MaxLineBytes + 1, "the framer keeps at most one line");
            left = buffer.ToArray();
        }
        return lines;
    }

    internal static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        parts = parts.Where(p => p.Length > 0).ToArray();
        if (parts.Length == 0) return ReadOnlySequence<byte>.Empty;
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1)) last = last.Append(part);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
