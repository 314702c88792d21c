using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Network;

/// <summary>
/// A TCP member whose network vanishes (its link cut inside a namespace of its own: no FIN, no RST, no answer)
/// is closed by the server within about <c>Chat:Gateway:DeadPeerSeconds</c>, and the others see it leave.
/// </summary>
public class DeadPeerTests
{
    private const int DeadPeerSeconds = 3;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AMemberWhoseNetworkVanishedLeavesWithinTheDeadPeerTime(bool busy)
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Gateway:DeadPeerSeconds"] = DeadPeerSeconds.ToString(),
        });
        var port = TcpChatClient.PortOf(app);
        using var ns = NetworkNamespace.Create();

        await using var far = await TcpChatClient.ConnectAsync(ns.CreateSocket(), new IPEndPoint(ns.HostAddress, port));
        await far.ExpectAsync(TcpChatClient.Menu);
        var id = await far.CreateGroupAsync("Far", "secret");
        await using var near = await TcpChatClient.ConnectToMenuAsync(port);
        await near.JoinGroupAsync(id, "Near", "secret");
        await far.ExpectAsync("Near has joined the group \n");

        ns.CutLink();
        var clock = Stopwatch.StartNew();
        if (busy)
        {
            // The server keeps writing to the vanished member: unacknowledged data, not keepalive, finds it.
            for (var i = 0; i < 5; i++) await near.SendAsync($"anyone there? {i}");
        }
        await near.WaitForLineAsync(l => l == "Far has removed from the group ", TimeSpan.FromSeconds(DeadPeerSeconds + 20));
        var detected = clock.Elapsed;
        Assert.True(detected < TimeSpan.FromSeconds(DeadPeerSeconds * 3 + 2), $"detected after {detected.TotalSeconds:0.0} s");
        // The server cut it, not a timer of the test: the others carry on.
        await near.SendAsync("still here");
        Assert.Equal(1, await CountMembersAsync(app, id));
    }

    private static async Task<int> CountMembersAsync(WebChatApplication app, int groupId)
    {
        await using var hub = await app.ConnectAsync();
        var groups = await hub.InvokeAsync<GroupSummary[]>("ListGroups");
        return groups.Single(g => g.GroupId == groupId).MemberCount;
    }
}
