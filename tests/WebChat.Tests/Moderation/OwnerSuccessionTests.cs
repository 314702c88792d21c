using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Moderation;

/// <summary>
/// When the owner leaves, however it leaves, the member who has been in the group longest becomes the owner,
/// and every member is told on its own door.
/// </summary>
public class OwnerSuccessionTests
{
    [Fact]
    public async Task AnOwnerWhoLeavesHandsTheGroupToTheLongestStandingMember()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await ChatClient.ConnectAsync(app, moderation: true);
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        await using var late = await ChatClient.ConnectAsync(app, moderation: true);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");
        await using var noa = await TcpChatClient.ConnectToMenuAsync(app);
        await noa.JoinGroupAsync(g, "Noa", "pw");
        await late.JoinGroup(g, "Late", "pw");
        await noa.ExpectAsync("Late has joined the group \n");
        await shoham.Heard.TakeAsync(2);

        await hadas.LeaveGroup(g);
        Assert.Equal(new HeardLeft(g, "Hadas"), await shoham.Heard.NextAsync());
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await shoham.Heard.NextAsync());
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await late.Heard.WaitForAsync(h => h is HeardOwnerChanged));
        await noa.ExpectAsync("Hadas has removed from the group \nShoham is now the owner of the group \n");
        await using var next = await ChatClient.ConnectAsync(app);
        Assert.Equal("Shoham", (await next.JoinGroup(g, "Next", "pw")).Owner);
    }

    [Fact]
    public async Task ATcpOwnerWhoseConnectionDropsHandsTheGroupOnAtOnce()
    {
        await using var app = new WebChatApplication();
        var hadas = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await hadas.CreateGroupAsync("Hadas", "pw");
        await using var noa = await TcpChatClient.ConnectToMenuAsync(app);
        await noa.JoinGroupAsync(g, "Noa", "pw");
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        await shoham.JoinGroup(g, "Shoham", "pw");
        await noa.ExpectAsync("Shoham has joined the group \n");

        hadas.Abort();
        await noa.ExpectAsync("Hadas has removed from the group \nNoa is now the owner of the group \n");
        Assert.Equal(new HeardLeft(g, "Hadas"), await shoham.Heard.NextAsync());
        Assert.Equal(new HeardOwnerChanged(g, "Noa"), await shoham.Heard.NextAsync());
        await noa.SendAsync("/who");
        await noa.ExpectAsync($"Members of group #{g}: Noa (owner), Shoham\n");
        await hadas.DisposeAsync();
    }

    [Fact]
    public async Task AHubOwnerKeepsTheGroupThroughItsGraceAndHandsItOnWhenTheGraceEnds()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        var hadas = await ChatClient.ConnectAsync(app, moderation: true);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        await shoham.JoinGroup(g, "Shoham", "pw");
        await using var noa = await TcpChatClient.ConnectToMenuAsync(app);
        await noa.JoinGroupAsync(g, "Noa", "pw");
        await shoham.Heard.TakeAsync(1);

        await hadas.DisposeAsync(); // dropped, not left: kept for the grace, then gone
        var grace = TimeSpan.FromSeconds(30);
        await clock.WaitUntilArmedAsync(grace);
        clock.Advance(grace - TimeSpan.FromMilliseconds(1));
        Assert.True(shoham.Heard.IsEmpty); // still inside the grace: no leave, no new owner
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await noa.ExpectAsync("Hadas has removed from the group \nShoham is now the owner of the group \n");
        Assert.Equal(new HeardLeft(g, "Hadas"), await shoham.Heard.NextAsync());
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await shoham.Heard.NextAsync());
        await shoham.RemoveMember(g, "Noa");
        await noa.ExpectAsync("You were removed from the group by Shoham. \n" + TcpChatClient.Menu);
    }

    [Fact]
    public async Task AnOwnerBackWithinItsGraceIsStillTheOwner()
    {
        await using var app = new WebChatApplication();
        var page = await ChatClient.ConnectAsync(app, moderation: true);
        var created = await page.CreateGroup("Hadas", "pw");
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        await shoham.JoinGroup(created.GroupId, "Shoham", "pw");
        await page.DisposeAsync();

        await using var reloaded = await ChatClient.ConnectAsync(app, moderation: true);
        var back = await reloaded.Rejoin(created.RejoinToken, 0);
        Assert.Equal("Hadas", back.Owner);
        await reloaded.RemoveMember(created.GroupId, "Shoham");
        Assert.Equal(new HeardRemovedFromGroup(created.GroupId, "Hadas"), await shoham.Heard.NextAsync());
    }
}
