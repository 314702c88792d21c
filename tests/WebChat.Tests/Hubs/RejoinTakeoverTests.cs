using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Hubs;

/// <summary>
/// A rejoin token opens its member once, and only for a connection that is not already someone else in that
/// group: a member cannot take over another member by its token.
/// </summary>
public class RejoinTakeoverTests
{
    [Fact]
    public async Task AMemberCannotRejoinAsAnotherMemberOfItsGroupAndTheOtherIsIntact()
    {
        await using var app = new WebChatApplication();
        await using var watcher = await ChatClient.ConnectAsync(app);
        await using var mallory = await ChatClient.ConnectAsync(app);
        await using var victim = await ChatClient.ConnectAsync(app);
        var g = (await mallory.CreateGroup("Mallory", "pw")).GroupId;
        var victims = await victim.JoinGroup(g, "Victim", "pw");

        var refused = await Refusal.ExpectAsync(ChatError.AlreadyMember, () => mallory.Rejoin(victims.RejoinToken, 0));
        Assert.Contains($"already a member of group {g} as \"Mallory\"", refused.Message);

        // The victim is intact: it still hears the group and speaks for itself, and its token still works (once).
        await mallory.Send(g, "after the attempt");
        Assert.Equal("after the attempt", (await victim.NextMessageAsync()).Text);
        await victim.Send(g, "still me");
        var heard = await mallory.NextMessageAsync();
        Assert.Equal(("Victim", "still me"), (heard.Sender, heard.Text));
        Assert.Equal([new(g, 2)], await watcher.ListGroups());

        // And the group still dies with its last member.
        await mallory.LeaveGroup(g);
        await victim.LeaveGroup(g);
        Assert.Empty(await watcher.ListGroups());
        Assert.Equal(g, (await watcher.CreateGroup("Watcher", "pw")).GroupId);
    }

    [Fact]
    public async Task ATokenOpensItsMemberOnceAndTheConnectionThatHeldItBeforeStopsHearingAndSpeakingForIt()
    {
        await using var app = new WebChatApplication();
        await using var friend = await ChatClient.ConnectAsync(app);
        await using var oldPage = await ChatClient.ConnectAsync(app);
        await using var newPage = await ChatClient.ConnectAsync(app);
        var g = (await friend.CreateGroup("Friend", "pw")).GroupId;
        var first = await oldPage.JoinGroup(g, "Hadas", "pw");
        await friend.Send(g, "before");
        var before = await oldPage.NextMessageAsync();

        // A new page takes the member over with its token; the old page is still open.
        var moved = await newPage.Rejoin(first.RejoinToken, before.Id);
        Assert.Equal("Hadas", moved.UserName);
        Assert.NotEqual(first.RejoinToken, moved.RejoinToken);
        await using var third = await ChatClient.ConnectAsync(app);
        var reused = await Refusal.ExpectAsync(ChatError.InvalidToken, () => third.Rejoin(first.RejoinToken, 0));
        Assert.Contains("expired or was already used", reused.Message);
        await Refusal.ExpectAsync(ChatError.InvalidToken, () => oldPage.Rejoin(first.RejoinToken, 0));

        // The old page can neither speak for the member nor leave it, and hears nothing of the group any more.
        await Refusal.ExpectAsync(ChatError.NotMember, () => oldPage.Send(g, "from the old page"));
        await Refusal.ExpectAsync(ChatError.NotMember, () => oldPage.LeaveGroup(g));
        await friend.Send(g, "after");
        Assert.Equal("after", (await newPage.NextMessageAsync()).Text);
        await newPage.Send(g, "marker");
        Assert.Equal("marker", (await friend.NextMessageAsync()).Text);
        await friend.Send(g, "last");
        Assert.Equal("last", (await newPage.NextMessageAsync()).Text);
        Assert.True(oldPage.Heard.IsEmpty, "The old page still hears the group");

        // The new token works once, on yet another page.
        await using var fourth = await ChatClient.ConnectAsync(app);
        Assert.Equal("Hadas", (await fourth.Rejoin(moved.RejoinToken, 0)).UserName);
        await Refusal.ExpectAsync(ChatError.InvalidToken, () => third.Rejoin(moved.RejoinToken, 0));
        Assert.Equal([new(g, 2)], await friend.ListGroups());
    }
}
