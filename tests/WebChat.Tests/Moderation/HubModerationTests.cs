using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Moderation;

/// <summary>The owner's powers through the hub, seen by hub and TCP members of the same group.</summary>
public class HubModerationTests
{
    private const string NotOwner = "Only the owner of the group can do that [NotOwner]";

    [Fact]
    public async Task TheCreatorOwnsTheGroupAndRemovingAMemberTellsEveryoneAndVoidsItsTokenButNotItsConnection()
    {
        await using var app = new WebChatApplication();
        await using var owner = await ChatClient.ConnectAsync(app, moderation: true);
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        var created = await owner.CreateGroup("Hadas", "pw");
        var g = created.GroupId;
        Assert.Equal("Hadas", created.Owner);
        var joined = await shoham.JoinGroup(g, "Shoham", "pw");
        Assert.Equal("Hadas", joined.Owner);
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        await tcp.JoinGroupAsync(g, "Noa", "pw");
        await owner.Heard.TakeAsync(2);
        await shoham.Heard.TakeAsync(1);

        await owner.RemoveMember(g, "shoham"); // names ignore case
        Assert.Equal(new HeardRemovedFromGroup(g, "Hadas"), await shoham.Heard.NextAsync());
        Assert.Equal(new HeardMemberRemoved(g, "Shoham", "Hadas"), await owner.Heard.NextAsync());
        await tcp.ExpectAsync("Shoham was removed from the group by Hadas \n");

        // The removed connection stays open but is out: no sending, no rejoin by token; the password lets it back.
        await Refusal.ExpectAsync(ChatError.NotMember, () => shoham.Send(g, "let me in"));
        await Refusal.ExpectAsync(ChatError.InvalidToken, () => shoham.Rejoin(joined.RejoinToken, 0));
        await using (var other = await ChatClient.ConnectAsync(app))
            await Refusal.ExpectAsync(ChatError.InvalidToken, () => other.Rejoin(joined.RejoinToken, 0));
        var again = await shoham.JoinGroup(g, "Shoham", "pw");
        Assert.Equal(["Hadas", "Noa", "Shoham"], again.Members);
        Assert.Equal(new HeardJoined(g, "Shoham"), await owner.Heard.NextAsync());
        await tcp.ExpectAsync("Shoham has joined the group \n");

        // Removing a TCP member sends it back to the menu, where it may join again with the password.
        await owner.RemoveMember(g, "Noa");
        await tcp.ExpectAsync("You were removed from the group by Hadas. \n" + TcpChatClient.Menu);
        Assert.Equal(new HeardMemberRemoved(g, "Noa", "Hadas"), await owner.Heard.NextAsync());
        Assert.Equal(new HeardMemberRemoved(g, "Noa", "Hadas"), await shoham.Heard.NextAsync());
        await tcp.JoinGroupAsync(g, "Noa", "pw");
        await shoham.Send(g, "welcome back");
        await tcp.ExpectAsync("Shoham: welcome back\n");

        // Nonsense targets are refused in plain words.
        await Refusal.ExpectAsync(ChatError.UnknownMember, () => owner.RemoveMember(g, "Nobody"));
        await Refusal.ExpectAsync(ChatError.InvalidTarget, () => owner.RemoveMember(g, "Hadas"));
        await Refusal.ExpectAsync(ChatError.NotMember, () => owner.RemoveMember(g + 1, "Noa"));
    }

    [Fact]
    public async Task OnlyTheOwnerMayRemoveChangeThePasswordOrHandTheGroupOnAndAHandedOnGroupObeysItsNewOwner()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await ChatClient.ConnectAsync(app, moderation: true);
        await using var shoham = await ChatClient.ConnectAsync(app, moderation: true);
        var g = (await hadas.CreateGroup("Hadas", "old password")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "old password");
        await using var noa = await TcpChatClient.ConnectToMenuAsync(app);
        await noa.JoinGroupAsync(g, "Noa", "old password");
        await hadas.Heard.TakeAsync(2);
        await shoham.Heard.TakeAsync(1);

        foreach (var call in new Func<Task>[]
                 {
                     () => shoham.RemoveMember(g, "Hadas"), () => shoham.ChangePassword(g, "mine now"),
                     () => shoham.TransferOwnership(g, "Shoham"),
                 })
            Assert.EndsWith(NotOwner, (await Refusal.ExpectAsync(ChatError.NotOwner, call)).Message);
        foreach (var command in new[] { "/remove Hadas", "/kick Hadas", "/password mine now", "/owner Noa", "/OWNER Noa" })
        {
            await noa.SendAsync(command);
            await noa.ExpectAsync("Only the owner of the group can do that \n");
        }

        // A new password: members stay, the old one opens nothing, the new one does.
        await hadas.ChangePassword(g, "new password");
        Assert.Equal(new HeardPasswordChanged(g, "Hadas"), await shoham.Heard.NextAsync());
        await noa.ExpectAsync("Hadas changed the group's password \n");
        await using (var late = await ChatClient.ConnectAsync(app))
        {
            await Refusal.ExpectAsync(ChatError.WrongPassword, () => late.JoinGroup(g, "Late", "old password"));
            Assert.Equal("Hadas", (await late.JoinGroup(g, "Late", "new password")).Owner);
            await late.LeaveGroup(g);
        }
        await using (var lateTcp = await TcpChatClient.ConnectToMenuAsync(app))
        {
            await lateTcp.StartJoinAsync(g, "LateTcp");
            await lateTcp.SendAsync("old password");
            await lateTcp.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
            await lateTcp.SendAsync("new password");
            await lateTcp.ExpectAsync($"You're connected to group chat #{g}\n");
            await lateTcp.ExitGroupAsync();
        }
        await shoham.Send(g, "still here");
        await noa.WaitForLineAsync(l => l == "Shoham: still here");

        // The group handed on: everyone hears it, and the powers move with it.
        await hadas.TransferOwnership(g, "Shoham");
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await hadas.Heard.WaitForAsync(h => h is HeardOwnerChanged));
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await shoham.Heard.WaitForAsync(h => h is HeardOwnerChanged));
        await noa.WaitForLineAsync(l => l == "Shoham is now the owner of the group ");
        await Refusal.ExpectAsync(ChatError.NotOwner, () => hadas.RemoveMember(g, "Noa"));
        await Refusal.ExpectAsync(ChatError.InvalidTarget, () => shoham.TransferOwnership(g, "Shoham"));
        await shoham.RemoveMember(g, "Hadas");
        Assert.Equal(new HeardRemovedFromGroup(g, "Shoham"), await hadas.Heard.WaitForAsync(h => h is HeardRemovedFromGroup));
        await noa.ExpectAsync("Hadas was removed from the group by Shoham \n");
        await noa.SendAsync("/who");
        await noa.ExpectAsync($"Members of group #{g}: Shoham (owner), Noa\n");
    }

    [Fact]
    public async Task AMemberInItsReconnectGraceCanBeRemovedAndItsTokenThenOpensNothing()
    {
        await using var app = new WebChatApplication();
        await using var owner = await ChatClient.ConnectAsync(app, moderation: true);
        await using var noa = await TcpChatClient.ConnectToMenuAsync(app);
        var g = (await owner.CreateGroup("Hadas", "pw")).GroupId;
        await noa.JoinGroupAsync(g, "Noa", "pw");
        var page = await ChatClient.ConnectAsync(app, moderation: true);
        var dropped = await page.JoinGroup(g, "Shoham", "pw");
        await noa.ExpectAsync("Shoham has joined the group \n");
        await page.DisposeAsync(); // dropped, not left: kept for the grace

        await owner.RemoveMember(g, "Shoham");
        await noa.ExpectAsync("Shoham was removed from the group by Hadas \n");
        Assert.Equal(new HeardMemberRemoved(g, "Shoham", "Hadas"), await owner.Heard.WaitForAsync(h => h is HeardMemberRemoved));
        await using var reloaded = await ChatClient.ConnectAsync(app, moderation: true);
        await Refusal.ExpectAsync(ChatError.InvalidToken, () => reloaded.Rejoin(dropped.RejoinToken, 0));
        Assert.Equal([new(g, 2)], await reloaded.ListGroups());

        // The group still dies with its last member.
        await noa.ExitGroupAsync();
        await owner.LeaveGroup(g);
        Assert.Empty(await reloaded.ListGroups());
    }
}
