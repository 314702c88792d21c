using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using WebChat.Security;

namespace WebChat.Tests.Security;

public class ClientAddressTests
{
    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("127.0.0.2", "127.0.0.2")]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:3::1", "2001:db8:1:3::/64")]
    [InlineData("fe80::1%2", "fe80::/64")]
    public void AnAddressCountsAsItsIPv4AddressOrItsIPv6Slash64(string address, string key)
    {
        Assert.Equal(key, ClientAddress.Key(IPAddress.Parse(address)));
        Assert.Equal(key, ClientAddress.Key(new IPEndPoint(IPAddress.Parse(address), 1234)));
    }

    [Fact]
    public void NoAddressIsUnknownAndLogsShowTheWholeAddress()
    {
        Assert.Equal("unknown", ClientAddress.Key((IPAddress?)null));
        Assert.Equal("unknown", ClientAddress.Key(new UnixDomainSocketEndPoint("/tmp/x")));
        Assert.Equal("2001:db8:1:2::1", ClientAddress.Display(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.Equal("203.0.113.7", ClientAddress.Display(IPAddress.Parse("::ffff:203.0.113.7")));
    }

    [Theory]
    [InlineData("10.0.0.1, 192.168.0.0/16 ,2001:db8::/32")]
    [InlineData("10.0.0.1,192.168.0.0/16,2001:db8::/32")]
    public void KnownProxiesComeAsOneCommaSeparatedString(string value)
    {
        var proxies = KnownProxies.From(Config(new() { ["Chat:Security:KnownProxies"] = value }));
        Assert.Equal(3, proxies.Networks.Count);
        Assert.True(proxies.Contains(IPAddress.Parse("10.0.0.1")));
        Assert.True(proxies.Contains(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.False(proxies.Contains(IPAddress.Parse("10.0.0.2")));
        Assert.True(proxies.Contains(IPAddress.Parse("192.168.44.5")));
        Assert.True(proxies.Contains(IPAddress.Parse("2001:db8:ffff::9")));
        Assert.False(proxies.Contains(IPAddress.Parse("2001:db9::9")));
        Assert.False(proxies.Contains(null));
    }

    [Fact]
    public void KnownProxiesComeAsAnArray()
    {
        var proxies = KnownProxies.From(Config(new()
        {
            ["Chat:Security:KnownProxies:0"] = "127.0.0.1",
            ["Chat:Security:KnownProxies:1"] = "fd00::/8",
        }));
        Assert.True(proxies.Contains(IPAddress.Loopback));
        Assert.False(proxies.Contains(IPAddress.Parse("127.0.0.2")));
        Assert.True(proxies.Contains(IPAddress.Parse("fd12::1")));
        Assert.True(KnownProxies.From(Config([])).IsEmpty);
    }

    [Theory]
    [InlineData("proxy.example")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0.0/33")]
    public void ABadKnownProxyIsAnErrorNamingTheKey(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => KnownProxies.From(Config(new() { ["Chat:Security:KnownProxies"] = value })));
        Assert.Contains("Chat:Security:KnownProxies", error.Message);
        Assert.Contains(value, error.Message);
    }

    private static IConfiguration Config(Dictionary<string, string?> values) => new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
