using System.Net;

namespace WebChat.Security;

/// <summary>
/// <c>Chat:Security:KnownProxies</c>: the reverse proxies in front of the node, as addresses or CIDR networks,
/// given as an array or as one comma-separated string. Only they may say who the client is (X-Forwarded-For,
/// a PROXY header). An entry that is not an address or network stops the start with an error naming the key.
/// </summary>
public sealed class KnownProxies
{
    public const string Key = "Chat:Security:KnownProxies";

    public KnownProxies(IEnumerable<IPNetwork> networks) => Networks = [.. networks];

    public IReadOnlyList<IPNetwork> Networks { get; }

    public bool IsEmpty => Networks.Count == 0;

    /// <summary>True when <paramref name="address"/> (IPv4-mapped or not) is in one of the networks.</summary>
    public bool Contains(IPAddress? address)
    {
        if (address is null) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        foreach (var network in Networks)
            if (network.Contains(address)) return true;
        return false;
    }

    public static KnownProxies From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Key);
        var entries = new List<string>();
        if (!string.IsNullOrWhiteSpace(section.Value)) entries.Add(section.Value);
        entries.AddRange(section.GetChildren().Select(c => c.Value).OfType<string>());
        return Parse(entries.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
    }

    public static KnownProxies Parse(IEnumerable<string> entries)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in entries)
        {
            if (IPNetwork.TryParse(entry, out var network)) networks.Add(network);
            else if (IPAddress.TryParse(entry, out var address))
            {
                if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (entry.Contains('/'))
                throw new InvalidOperationException($"{Key}: '{entry}' is not a CIDR network (an address and a prefix length, with no address bits set past the prefix, such as 10.0.0.0/8)");
            else throw new InvalidOperationException($"{Key}: '{entry}' is neither an IP address nor a CIDR network (such as 10.0.0.0/8)");
        }
        return new KnownProxies(networks);
    }
}
