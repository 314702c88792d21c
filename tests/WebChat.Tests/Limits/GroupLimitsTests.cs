using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>
/// How many groups one connection, one address and the whole deployment may hold, hit from real clients on the
/// hub and the TCP gateway: each refusal is in plain words, and the session goes on.
/// </summary>
public class GroupLimitsTests
{
    [Fact]
    public async Task AHubConnectionInTenGroupsIsRefusedAnEleventhCreateOrJoinAndGoesOnOnceItLeavesOne()
    {
        await using var app = new WebChatApplication(); // GroupsPerConnection keeps its default, 10
        await using var busy = await ChatClient.ConnectAsync(app);
        await using var other = await ChatClient.ConnectAsync(app);
        var open = (await other.CreateGroup("Other", "pw")).GroupId;
        var mine = new List<int>();
        for (var i = 0; i < 10; i++) mine.Add((await busy.CreateGroup("Busy", "pw")).GroupId);

        var create = await Refusal.ExpectAsync(ChatError.TooManyGroups, () => busy.CreateGroup("Busy", "pw"));
        Assert.Contains("already a member of 10 groups on this connection", create.Message);
        await Refusal.ExpectAsync(ChatError.TooManyGroups, () => busy.JoinGroup(open, "Busy", "pw"));

        // The connection goes on: it still talks in its groups, and once it leaves one it may join another.
        await other.JoinGroup(mine[3], "Other", "pw");
        await busy.Send(mine[3], "still here");
        Assert.Equal("still here", (await other.NextMessageAsync()).Text);
        await busy.LeaveGroup(mine[0]);
        var joined = await busy.JoinGroup(open, "Busy", "pw");
        Assert.Equal(["Other", "Busy"], joined.Members);
        // Another connection is not affected by this one's count.
        await using var fresh = await ChatClient.ConnectAsync(app);
        await fresh.CreateGroup("Fresh", "pw");
    }

    [Fact]
    public async Task ATcpConnectionHoldsOneGroupAtATimeSoEvenALimitOfOneNeverStopsIt()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Limits:GroupsPerConnection"] = "1" });
        var port = TcpChatClient.PortOf(app);
        await using var owner = await ChatClient.ConnectAsync(app);
        var open = (await owner.CreateGroup("Owner", "pw")).GroupId;
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port);
        await tcp.CreateGroupAsync("Tcp", "pw");
        await tcp.ExitGroupAsync();
        await tcp.JoinGroupAsync(open, "Tcp", "pw");
        await tcp.ExitGroupAsync();
        await tcp.CreateGroupAsync("Tcp", "pw");
    }

    [Fact]
    public async Task AnAddressMayKeepTwentyLiveGroupsOnEitherDoorAndADeletedGroupFreesItsSlot()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:GroupsPerAddress"] = "20",
            ["Chat:Limits:GroupsPerConnection"] = "100",
        });
        var port = TcpChatClient.PortOf(app);
        await using var hub = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        var groups = new List<int>();
        for (var i = 0; i < 19; i++) groups.Add((await hub.CreateGroup("Hub", "pw")).GroupId);
        // The twentieth comes through the other door, from the same address.
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
        await tcp.CreateGroupAsync("Tcp", "pw");

        var refused = await Refusal.ExpectAsync(ChatError.TooManyGroups, () => hub.CreateGroup("Hub", "pw"));
        Assert.Contains("Your address already has 20 live groups", refused.Message);
        await tcp.ExitGroupAsync(); // its group is deleted: one slot free
        groups.Add((await hub.CreateGroup("Hub", "pw")).GroupId);
        await Refusal.ExpectAsync(ChatError.TooManyGroups, () => hub.CreateGroup("Hub", "pw"));

        // On TCP: the refusal in plain words, then the menu; the connection stays.
        await tcp.SendAsync("2");
        await tcp.ExpectAsync("Enter your name: \n");
        await tcp.SendAsync("Tcp");
        await tcp.ExpectAsync("Enter password for the group: \n");
        await tcp.SendAsync("pw");
        await tcp.ExpectAsync("Your address already has 20 live groups; leave one before creating another\n" + TcpChatClient.Menu);

        // Joining is not creating, and another address has its own twenty.
        await tcp.JoinGroupAsync(groups[0], "Tcp", "pw");
        await using var neighbour = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        await neighbour.CreateGroup("Neighbour", "pw");

        // A group counts until it is deleted, not until its creator leaves it.
        await hub.LeaveGroup(groups[0]);
        await Refusal.ExpectAsync(ChatError.TooManyGroups, () => hub.CreateGroup("Hub", "pw"));
        await tcp.ExitGroupAsync();
        Assert.Equal(groups[0], (await hub.CreateGroup("Hub", "pw")).GroupId); // the smallest free id again
    }

    [Fact]
    public async Task TheDeploymentsLastGroupSlotIsRefusedOnBothDoorsUntilAGroupIsDeleted()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Limits:MaxGroups"] = "3" });
        var port = TcpChatClient.PortOf(app);
        await using var a = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        await using var b = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        var first = (await a.CreateGroup("A", "pw")).GroupId;
        await b.CreateGroup("B", "pw");
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.4");
        await tcp.CreateGroupAsync("Tcp", "pw");

        var refused = await Refusal.ExpectAsync(ChatError.TooManyGroups, () => b.CreateGroup("B", "pw"));
        Assert.Contains("The server has as many groups as it can hold", refused.Message);
        await using var late = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.5");
        await late.SendAsync("2");
        await late.ExpectAsync("Enter your name: \n");
        await late.SendAsync("Late");
        await late.ExpectAsync("Enter password for the group: \n");
        await late.SendAsync("pw");
        await late.ExpectAsync("The server has as many groups as it can hold; try again later or join an existing group\n" + TcpChatClient.Menu);

        // Joining still works, and a deleted group frees a slot for anyone.
        await late.JoinGroupAsync(first, "Late", "pw");
        await late.ExitGroupAsync();
        await a.LeaveGroup(first);
        Assert.Equal(first, await late.CreateGroupAsync("Late", "pw"));
    }
}
