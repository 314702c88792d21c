using Microsoft.AspNetCore.SignalR;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Hubs;

public class RejoinTests
{
    [Fact]
    public async Task RejoinInsideTheGraceRestoresTheMemberAndReplaysOnlyWhatWasMissed()
    {
        await using var app = new WebChatApplication();
        await using var bob = await ChatClient.ConnectAsync(app);
        var alice = await ChatClient.ConnectAsync(app);
        var created = await alice.CreateGroup("Alice", "pw");
        var g = created.GroupId;
        await bob.JoinGroup(g, "Bob", "pw");
        var seen = await bob.Send(g, "seen by alice");
        Assert.Equal("seen by alice", (await alice.NextMessageAsync()).Text);

        await alice.DisposeAsync(); // the connection drops; no LeaveGroup
        var missed1 = await bob.Send(g, "missed 1");
        var missed2 = await bob.Send(g, "missed 2");
        Assert.Equal([new(g, 2)], await bob.ListGroups()); // Alice is still a member

        await using var alice2 = await ChatClient.ConnectAsync(app);
        var back = await alice2.Rejoin(created.RejoinToken, seen!.Id);
        Assert.Equal((g, "Alice"), (back.GroupId, back.UserName));
        Assert.Equal(["Alice", "Bob"], back.Members.Order());
        Assert.Equal([missed1!.Id, missed2!.Id], back.History.Select(m => m.Id));

        // Live again on the new connection, and Bob never saw Alice leave or join.
        await bob.Send(g, "live");
        Assert.Equal("live", (await alice2.NextMessageAsync()).Text);
        await alice2.Send(g, "i am back");
        Assert.Equal("i am back", (await bob.NextMessageAsync()).Text);
        await alice2.LeaveGroup(g);
        Assert.Equal(new HeardLeft(g, "Alice"), await bob.Heard.NextAsync());
    }

    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30); // the default

    /// <summary>Alice creates a group, Bob joins it, Alice's connection drops: returns once her grace timer is armed.</summary>
    private static async Task<(ChatClient Bob, WebChat.Groups.JoinedGroup Alice)> DropAliceInTheGraceAsync(WebChatApplication app, FakeClock clock)
    {
        var bob = await ChatClient.ConnectAsync(app);
        var alice = await ChatClient.ConnectAsync(app);
        var created = await alice.CreateGroup("Alice", "pw");
        await bob.JoinGroup(created.GroupId, "Bob", "pw");
        await alice.DisposeAsync();
        await clock.WaitUntilArmedAsync(Grace);
        return (bob, created);
    }

    [Fact]
    public async Task AfterExactlyTheGraceTheMemberLeavesAndTheTokenIsRefused()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        var (bob, created) = await DropAliceInTheGraceAsync(app, clock);
        await using var _ = bob;
        clock.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, clock.ArmedFor(TimeSpan.FromMilliseconds(1))); // still inside the grace
        Assert.Equal([new(created.GroupId, 2)], await bob.ListGroups());
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(new HeardLeft(created.GroupId, "Alice"), await bob.Heard.NextAsync());
        await using var alice2 = await ChatClient.ConnectAsync(app);
        var e = await Assert.ThrowsAsync<HubException>(() => alice2.Rejoin(created.RejoinToken, 0));
        Assert.Contains("expired", e.Message);
    }

    [Fact]
    public async Task ARejoinInTheLastMomentOfTheGraceKeepsTheMemberForGood()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        var (bob, created) = await DropAliceInTheGraceAsync(app, clock);
        await using var _ = bob;
        clock.Advance(Grace - TimeSpan.FromMilliseconds(1));
        await using var alice2 = await ChatClient.ConnectAsync(app);
        await alice2.Rejoin(created.RejoinToken, 0);
        Assert.Equal(0, clock.ArmedFor(TimeSpan.FromMilliseconds(1))); // the rejoin stopped the grace timer
        clock.Advance(Grace);

        await bob.Send(created.GroupId, "still with us?");
        Assert.Equal("still with us?", (await alice2.NextMessageAsync()).Text);
        Assert.True(bob.Heard.IsEmpty); // never a leave
    }

    [Fact]
    public async Task ALoneMemberWhoseGraceEndsTakesTheGroupWithIt()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        await using var watcher = await ChatClient.ConnectAsync(app);
        var alice = await ChatClient.ConnectAsync(app);
        var created = await alice.CreateGroup("Alice", "pw");
        await alice.DisposeAsync();
        await clock.WaitUntilArmedAsync(Grace);
        Assert.Single(await watcher.ListGroups());
        clock.Advance(Grace);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await watcher.ListGroups()).Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the group was not deleted after the grace period");
            await Task.Yield(); // the expiry runs on the timer's continuation; each ListGroups is a round trip
        }
        await Assert.ThrowsAsync<HubException>(() => watcher.JoinGroup(created.GroupId, "W", "pw"));
    }

    [Fact]
    public async Task ATokenFromADeletedGroupOpensNothingInANewGroupWithTheSameId()
    {
        await using var app = new WebChatApplication();
        await using var alice = await ChatClient.ConnectAsync(app);
        await using var carol = await ChatClient.ConnectAsync(app);
        var old = await alice.CreateGroup("Alice", "pw");
        await alice.LeaveGroup(old.GroupId);
        var fresh = await carol.CreateGroup("Carol", "pw2");
        Assert.Equal(old.GroupId, fresh.GroupId);

        var e = await Assert.ThrowsAsync<HubException>(() => alice.Rejoin(old.RejoinToken, 0));
        Assert.Contains("no longer exists", e.Message);
        Assert.Equal([new(fresh.GroupId, 1)], await carol.ListGroups());
    }

    [Fact]
    public async Task ATamperedTokenIsRefused()
    {
        await using var app = new WebChatApplication();
        await using var alice = await ChatClient.ConnectAsync(app);
        var created = await alice.CreateGroup("Alice", "pw");
        var tampered = created.RejoinToken[..^4] + (created.RejoinToken.EndsWith("AAAA") ? "BBBB" : "AAAA");
        var e = await Assert.ThrowsAsync<HubException>(() => alice.Rejoin(tampered, 0));
        Assert.Contains("not valid", e.Message);
    }

    [Fact]
    public async Task ClosingTheOldPageAfterARejoinFromANewOneKeepsTheMember()
    {
        await using var app = new WebChatApplication();
        await using var bob = await ChatClient.ConnectAsync(app);
        var oldPage = await ChatClient.ConnectAsync(app);
        var created = await oldPage.CreateGroup("Alice", "pw");
        await bob.JoinGroup(created.GroupId, "Bob", "pw");

        // A new page rejoins while the old one is still open (a reload that races, a duplicated tab).
        await using var newPage = await ChatClient.ConnectAsync(app);
        await newPage.Rejoin(created.RejoinToken, 0);
        await oldPage.DisposeAsync();
        // Wait until the server has handled the old page's disconnect.
        var connections = app.Get<WebChat.Hubs.HubConnections>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (connections.All.Count() > 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(2, connections.All.Count());

        await bob.Send(created.GroupId, "still there?");
        Assert.Equal("still there?", (await newPage.NextMessageAsync()).Text);
        Assert.Equal([new(created.GroupId, 2)], await bob.ListGroups());
        Assert.True(bob.Heard.IsEmpty); // no leave notice for Alice
    }
}
