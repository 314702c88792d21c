using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>
/// A server listening dual-mode ([::], as in the container) sees IPv4 clients as IPv4-mapped IPv6 addresses
/// (::ffff:127.0.0.1); every per-address rule must count them as their IPv4 address, the same on every door.
/// </summary>
public class ClientAddressTests
{
    [Fact]
    public async Task AnIpv4ClientOfADualModeServerIsCountedAsItsIpv4AddressOnTheHubAndTcpAlike()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["urls"] = "http://[::]:0",
            ["Chat:Limits:GroupsPerAddress"] = "1",
        });
        var port = TcpChatClient.PortOf(app);
        await using var hub = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        var g = (await hub.CreateGroup("Hub", "pw")).GroupId;

        // The TCP gateway counts 127.0.0.2 as "127.0.0.2": the hub's group used the address's one slot.
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
        await tcp.SendAsync("2");
        await tcp.ExpectAsync("Enter your name: \n");
        await tcp.SendAsync("Tcp");
        await tcp.ExpectAsync("Enter password for the group: \n");
        await tcp.SendAsync("pw");
        await tcp.ExpectAsync("Your address already has 1 live groups; leave one before creating another\n" + TcpChatClient.Menu);

        // And the other way round, after the hub's group is gone.
        await hub.LeaveGroup(g);
        await tcp.CreateGroupAsync("Tcp", "pw");
        await Refusal.ExpectAsync(ChatError.TooManyGroups, () => hub.CreateGroup("Hub", "pw"));
        // Another IPv4 address is its own client.
        await using var other = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        await other.CreateGroup("Other", "pw");
    }
}
