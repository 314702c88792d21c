using System.Buffers;
using System.Net;
using System.Text;
using WebChat.Gateway;

namespace WebChat.Tests.Gateway;

public class ProxyHeaderTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
    private static readonly byte[] ClientBytes = Encoding.ASCII.GetBytes("2\nHadas\n");

    public static TheoryData<string, string, string?> GoodHeaders => new()
    {
        { "v1 TCP4", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 192.0.2.1 51234 5555\r\n")), "203.0.113.7:51234" },
        { "v1 TCP6", Hex(Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::1 51234 5555\r\n")), "[2001:db8::7]:51234" },
        { "v1 UNKNOWN", Hex(Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n")), null },
        { "v1 UNKNOWN with addresses", Hex(Encoding.ASCII.GetBytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n")), null },
        { "v2 PROXY INET", Hex(V2(1, 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0xC8, 0x22, 0x15, 0xB3])), "203.0.113.7:51234" },
        { "v2 PROXY INET6 with a TLV", Hex(V2(1, 0x21, [.. Address6("2001:db8::7"), .. Address6("2001:db8::1"), 0xC8, 0x22, 0x15, 0xB3, 0x04, 0x00, 0x02, 0x41, 0x42])), "[2001:db8::7]:51234" },
        { "v2 LOCAL (a health check)", Hex(V2(0, 0x00, [])), null },
        { "v2 PROXY UNSPEC", Hex(V2(1, 0x00, [1, 2, 3])), null },
        { "v2 PROXY UNIX", Hex(V2(1, 0x31, new byte[216])), null },
    };

    [Theory]
    [MemberData(nameof(GoodHeaders))]
    public void AGoodHeaderIsReadAtEverySplitAndLeavesTheClientsBytes(string kind, string hex, string? source)
    {
        var header = Convert.FromHexString(hex);
        byte[] input = [.. header, .. ClientBytes];
        for (var i = 0; i <= input.Length; i++)
            for (var j = i; j <= input.Length; j++)
            {
                var buffer = LineFramerTests.Segments(input[..i], input[i..j], input[j..]);
                Assert.True(ProxyHeader.TryRead(buffer, out var consumed, out var from) == ProxyHeaderStatus.Done, $"{kind} at {i}/{j}");
                Assert.Equal(source, from?.ToString());
                Assert.Equal(ClientBytes, buffer.Slice(consumed).ToArray());
            }
        for (var n = 0; n < header.Length; n++)
            Assert.True(ProxyHeader.TryRead(new ReadOnlySequence<byte>(header[..n]), out _, out _) == ProxyHeaderStatus.NeedMore, $"{kind}: prefix of {n} bytes");
        Assert.Equal(ProxyHeaderStatus.NeedMore, ProxyHeader.TryRead(LineFramerTests.Segments(header[..^1].Select(b => new[] { b }).ToArray()), out _, out _));
    }

    public static TheoryData<string, string> BadHeaders => new()
    {
        { "plain dialogue", Hex(Encoding.ASCII.GetBytes("2\nHadas\n")) },
        { "HTTP", Hex(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\r\n")) },
        { "lower case", Hex(Encoding.ASCII.GetBytes("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n")) },
        { "no CR", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")) },
        { "short address", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n")) },
        { "address over 255", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n")) },
        { "port over 65535", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")) },
        { "IPv4 in TCP6", Hex(Encoding.ASCII.GetBytes("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n")) },
        { "IPv6 in TCP4", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 ::1 ::1 1 2\r\n")) },
        { "missing port", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")) },
        { "two spaces", Hex(Encoding.ASCII.GetBytes("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n")) },
        { "UDP4", Hex(Encoding.ASCII.GetBytes("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n")) },
        { "control byte", Hex(Encoding.ASCII.GetBytes("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\0\r\n")) },
        { "v1 over 107 bytes", Hex(Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 100) + "\r\n")) },
        { "v1 with no end", Hex(Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 200))) },
        { "v2 bad signature", Hex([.. Signature[..11], 0x0B, 0x21, 0x11, 0x00, 0x0C, .. new byte[12]]) },
        { "v2 version 1", Hex([.. Signature, 0x11, 0x11, 0x00, 0x0C, .. new byte[12]]) },
        { "v2 command 2", Hex(V2(2, 0x11, new byte[12])) },
        { "v2 family 4", Hex(V2(1, 0x41, new byte[12])) },
        { "v2 INET without room for its addresses", Hex(V2(1, 0x11, new byte[11])) },
        { "v2 INET6 without room for its addresses", Hex(V2(1, 0x21, new byte[12])) },
        { "v2 length past the limit", Hex([.. Signature, 0x21, 0x11, 0xFF, 0xFF]) },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void AMalformedOrOversizedHeaderIsRefusedAndNoPrefixOfItIsAccepted(string kind, string hex)
    {
        var input = Convert.FromHexString(hex);
        Assert.True(ProxyHeader.TryRead(new ReadOnlySequence<byte>(input), out _, out _) == ProxyHeaderStatus.Invalid, kind);
        for (var n = 0; n <= input.Length; n++)
            Assert.NotEqual(ProxyHeaderStatus.Done, ProxyHeader.TryRead(new ReadOnlySequence<byte>(input[..n]), out _, out _));
        for (var i = 0; i <= input.Length; i++)
            Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(LineFramerTests.Segments(input[..i], input[i..]), out _, out _));
    }

    [Fact]
    public void ARefusalComesAsSoonAsTheBytesCannotBeAHeader()
    {
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(new ReadOnlySequence<byte>("2"u8.ToArray()), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(new ReadOnlySequence<byte>("PROXX"u8.ToArray()), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(new ReadOnlySequence<byte>([0x0D, 0x0A, 0x0D, 0x0A, 0x01]), out _, out _));
        // The length field says more than the limit: no waiting for the bytes.
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(new ReadOnlySequence<byte>([.. Signature, 0x21, 0x11, 0x04, 0x10]), out _, out _));
        // Without an LF, a v1 header is waited for up to its limit and no further.
        var noEnd = Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200));
        Assert.Equal(ProxyHeaderStatus.NeedMore, ProxyHeader.TryRead(new ReadOnlySequence<byte>(noEnd[..(ProxyHeader.MaxV1Length - 1)]), out _, out _));
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(new ReadOnlySequence<byte>(noEnd[..ProxyHeader.MaxV1Length]), out _, out _));
    }

    [Fact]
    public void AV2HeaderOfExactlyTheLimitIsTaken()
    {
        var tlvs = new byte[ProxyHeader.MaxV2Length - 16 - 12];
        var header = V2(1, 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0, 1, 0, 2, .. tlvs]);
        Assert.Equal(ProxyHeader.MaxV2Length, header.Length);
        Assert.Equal(ProxyHeaderStatus.Done, ProxyHeader.TryRead(new ReadOnlySequence<byte>(header), out _, out var from));
        Assert.Equal(IPAddress.Parse("203.0.113.7"), from!.Address);
        var over = V2(1, 0x11, [203, 0, 113, 7, 192, 0, 2, 1, 0, 1, 0, 2, .. tlvs, 0]);
        Assert.Equal(ProxyHeaderStatus.Invalid, ProxyHeader.TryRead(new ReadOnlySequence<byte>(over[..16]), out _, out _));
    }

    private static byte[] V2(int command, byte family, byte[] payload) =>
        [.. Signature, (byte)(0x20 | command), family, (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    private static byte[] Address6(string text) => IPAddress.Parse(text).GetAddressBytes();

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes);
}
