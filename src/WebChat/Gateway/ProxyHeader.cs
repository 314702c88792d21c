using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace WebChat.Gateway;

public enum ProxyHeaderStatus
{
    /// <summary>What arrived so far can still begin a header: read more.</summary>
    NeedMore,
    /// <summary>A whole header was taken.</summary>
    Done,
    /// <summary>Not a PROXY header, a malformed one, or one over the size limit.</summary>
    Invalid,
}

/// <summary>
/// The PROXY protocol header (HAProxy's send-proxy and send-proxy-v2) that a proxy puts before a client's bytes,
/// parsed as a pure function over the bytes received so far, like the line framer. A header is refused as
/// soon as its bytes cannot be one, and never waits for more than <see cref="MaxV1Length"/> or
/// <see cref="MaxV2Length"/> bytes.
/// </summary>
public static class ProxyHeader
{
    /// <summary>The whole v1 line, CRLF included, is at most 107 bytes (the protocol's own limit).</summary>
    public const int MaxV1Length = 107;

    /// <summary>v2: a 16-byte prefix, the addresses and TLVs. Proxies send a few dozen bytes of TLVs at most.</summary>
    public const int MaxV2Length = 16 + 1024;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// Reads a header from the start of <paramref name="buffer"/>. On <see cref="ProxyHeaderStatus.Done"/>,
    /// <paramref name="consumed"/> is where the client's own bytes begin and <paramref name="source"/> is the
    /// client's address, or null when the header says to use the connection's own (v2 LOCAL, v1 UNKNOWN,
    /// an unspecified or Unix-socket family: a proxy's health check).
    /// </summary>
    public static ProxyHeaderStatus TryRead(in ReadOnlySequence<byte> buffer, out SequencePosition consumed, out IPEndPoint? source)
    {
        consumed = buffer.Start;
        source = null;
        if (buffer.IsEmpty) return ProxyHeaderStatus.NeedMore;
        Span<byte> head = stackalloc byte[16];
        var have = (int)Math.Min(16, buffer.Length);
        buffer.Slice(0, have).CopyTo(head);
        head = head[..have];
        if (head[0] == (byte)'P') return TryReadV1(buffer, head, out consumed, out source);
        if (head[0] == V2Signature[0]) return TryReadV2(buffer, head, out consumed, out source);
        return ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus TryReadV1(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> head,
        out SequencePosition consumed, out IPEndPoint? source)
    {
        consumed = buffer.Start;
        source = null;
        var n = Math.Min(head.Length, V1Prefix.Length);
        if (!head[..n].SequenceEqual(V1Prefix[..n])) return ProxyHeaderStatus.Invalid;

        var lf = buffer.PositionOf((byte)'\n');
        if (lf is null) return buffer.Length >= MaxV1Length ? ProxyHeaderStatus.Invalid : ProxyHeaderStatus.NeedMore;
        var lineLength = buffer.Slice(0, lf.Value).Length + 1;
        if (lineLength > MaxV1Length) return ProxyHeaderStatus.Invalid;

        Span<byte> bytes = stackalloc byte[MaxV1Length];
        bytes = bytes[..(int)lineLength];
        buffer.Slice(0, lineLength).CopyTo(bytes);
        if (bytes.Length < 2 || bytes[^2] != (byte)'\r') return ProxyHeaderStatus.Invalid;
        foreach (var b in bytes[..^2])
            if (b < 0x20 || b > 0x7E) return ProxyHeaderStatus.Invalid;

        var fields = Encoding.ASCII.GetString(bytes[V1Prefix.Length..^2]).Split(' ');
        if (fields[0] == "UNKNOWN")
        {
            consumed = buffer.GetPosition(lineLength);
            return ProxyHeaderStatus.Done;
        }
        if (fields.Length != 5 || fields[0] is not ("TCP4" or "TCP6")) return ProxyHeaderStatus.Invalid;
        var v6 = fields[0] == "TCP6";
        if (!TryAddress(fields[1], v6, out var from) || !TryAddress(fields[2], v6, out _) ||
            !TryPort(fields[3], out var fromPort) || !TryPort(fields[4], out _))
            return ProxyHeaderStatus.Invalid;
        consumed = buffer.GetPosition(lineLength);
        source = new IPEndPoint(from, fromPort);
        return ProxyHeaderStatus.Done;
    }

    private static ProxyHeaderStatus TryReadV2(in ReadOnlySequence<byte> buffer, ReadOnlySpan<byte> head,
        out SequencePosition consumed, out IPEndPoint? source)
    {
        consumed = buffer.Start;
        source = null;
        var n = Math.Min(head.Length, V2Signature.Length);
        if (!head[..n].SequenceEqual(V2Signature[..n])) return ProxyHeaderStatus.Invalid;
        if (head.Length > 12 && head[12] >> 4 != 2) return ProxyHeaderStatus.Invalid;
        if (head.Length < 16) return ProxyHeaderStatus.NeedMore;

        var command = head[12] & 0x0F;
        var family = head[13] >> 4;
        var transport = head[13] & 0x0F;
        int length = BinaryPrimitives.ReadUInt16BigEndian(head[14..]);
        if (command > 1 || family > 3 || transport > 2 || 16 + length > MaxV2Length) return ProxyHeaderStatus.Invalid;
        var addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (command == 1 && length < addressLength) return ProxyHeaderStatus.Invalid;
        if (buffer.Length < 16 + length) return ProxyHeaderStatus.NeedMore;

        consumed = buffer.GetPosition(16 + length);
        if (command == 0 || family is 0 or 3) return ProxyHeaderStatus.Done;

        Span<byte> addresses = stackalloc byte[36];
        addresses = addresses[..addressLength];
        buffer.Slice(16, addressLength).CopyTo(addresses);
        var size = family == 1 ? 4 : 16;
        var from = new IPAddress(addresses[..size]);
        var port = BinaryPrimitives.ReadUInt16BigEndian(addresses[(2 * size)..]);
        source = new IPEndPoint(from, port);
        return ProxyHeaderStatus.Done;
    }

    private static bool TryAddress(string text, bool v6, out IPAddress address)
    {
        address = IPAddress.None;
        if (v6)
            return text.Contains(':') && IPAddress.TryParse(text, out address!) &&
                   address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId == 0;
        var parts = text.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit) || int.Parse(p) > 255)) return false;
        address = IPAddress.Parse(text);
        return true;
    }

    private static bool TryPort(string text, out int port)
    {
        port = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && (port = int.Parse(text)) <= 65535;
    }
}
