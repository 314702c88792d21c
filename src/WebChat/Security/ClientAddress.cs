using System.Net;

namespace WebChat.Security;

/// <summary>
/// The key every per-address rule counts by (password throttle, joins a minute, groups and connections per
/// address), the same on every door. An IPv4-mapped IPv6 address counts as its IPv4 address, and an IPv6
/// address as its /64 network: one home or phone line gets a whole /64, so counting single IPv6 addresses
/// would let one client change its address at every attempt.
/// </summary>
public static class ClientAddress
{
    public const string Unknown = "unknown";

    /// <summary>"203.0.113.7" for IPv4 (mapped or not), "2001:db8:1:2::/64" for IPv6, <see cref="Unknown"/> for none.</summary>
    public static string Key(IPAddress? address)
    {
        if (address is null) return Unknown;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return address.ToString();
        if (IPAddress.IsLoopback(address)) return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    /// <summary>The key of an endpoint's address; an endpoint that is not IP (a Unix socket) has no address.</summary>
    public static string Key(EndPoint? endPoint) => endPoint is IPEndPoint ip ? Key(ip.Address) : Unknown;

    /// <summary>The address as a person reads it in a log: IPv4-mapped addresses as IPv4, IPv6 in full.</summary>
    public static string Display(IPAddress? address) =>
        address is null ? Unknown : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();
}
