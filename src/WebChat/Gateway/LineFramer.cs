using System.Buffers;
using System.Text;

namespace WebChat.Gateway;

public enum LineStatus
{
    /// <summary>No complete line yet: keep what is left and read more.</summary>
    NeedMore,
    /// <summary>A line was taken (without its LF, and without a CR before it).</summary>
    Line,
    /// <summary>A line passed the limit: it is (being) discarded up to its LF; tell the user once.</summary>
    TooLong,
}

/// <summary>
/// The gateway's framing (docs/protocol.md, "The TCP door") as pure functions over the bytes received so far.
/// A line ends at LF and a CR before it is dropped; a line over <see cref="MaxLineBytes"/> is discarded
/// up to its LF, so at most one line's worth of bytes is ever buffered.
/// </summary>
public static class LineFramer
{
    public const int MaxLineBytes = 8 * 1024;

    /// <summary>
    /// Takes the next line from <paramref name="buffer"/> and advances it past the line. <paramref name="discarding"/>
    /// is the framer's only state: true while the rest of an over-long line is being skipped.
    /// </summary>
    public static LineStatus TryReadLine(ref ReadOnlySequence<byte> buffer, ref bool discarding, out ReadOnlySequence<byte> line)
    {
        line = default;
        if (discarding)
        {
            var end = buffer.PositionOf((byte)'\n');
            if (end is null)
            {
                buffer = buffer.Slice(buffer.End);
                return LineStatus.NeedMore;
            }
            buffer = buffer.Slice(buffer.GetPosition(1, end.Value));
            discarding = false;
        }

        var lf = buffer.PositionOf((byte)'\n');
        if (lf is null)
        {
            // One byte of room for a CR whose LF has not arrived yet.
            if (buffer.Length <= MaxLineBytes + 1) return LineStatus.NeedMore;
            buffer = buffer.Slice(buffer.End);
            discarding = true;
            return LineStatus.TooLong;
        }

        var candidate = WithoutTrailingCr(buffer.Slice(0, lf.Value));
        buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
        if (candidate.Length > MaxLineBytes) return LineStatus.TooLong;
        line = candidate;
        return LineStatus.Line;
    }

    /// <summary>
    /// The seed client's rule: what is pending without an LF after a pause is a whole line. A UTF-8 character
    /// cut at the end stays in <paramref name="buffer"/> for the next packet to complete it, unless nothing else is pending.
    /// </summary>
    public static LineStatus TakePending(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var keep = IncompleteTailLength(buffer);
        if (keep == buffer.Length) keep = 0;
        var pending = buffer.Slice(0, buffer.Length - keep);
        buffer = buffer.Slice(pending.End);
        line = WithoutTrailingCr(pending);
        if (line.Length <= MaxLineBytes) return LineStatus.Line;
        line = default;
        return LineStatus.TooLong;
    }

    /// <summary>UTF-8 to text; invalid bytes become U+FFFD.</summary>
    public static string Decode(in ReadOnlySequence<byte> line) => Encoding.UTF8.GetString(line);

    private static ReadOnlySequence<byte> WithoutTrailingCr(ReadOnlySequence<byte> line)
    {
        if (line.Length == 0) return line;
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r' ? line.Slice(0, line.Length - 1) : line;
    }

    /// <summary>How many bytes at the end begin a UTF-8 character that is not complete yet (0-3).</summary>
    private static int IncompleteTailLength(in ReadOnlySequence<byte> buffer)
    {
        var n = (int)Math.Min(4, buffer.Length);
        Span<byte> tail = stackalloc byte[4];
        buffer.Slice(buffer.Length - n).CopyTo(tail);
        tail = tail[..n];
        for (var i = n - 1; i >= 0; i--)
        {
            var b = tail[i];
            if ((b & 0xC0) == 0x80) continue;
            var needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > n - i ? n - i : 0;
        }
        return 0;
    }
}
