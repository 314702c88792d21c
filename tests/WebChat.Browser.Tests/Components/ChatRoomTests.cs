using Bunit;
using WebChat.Components;
using WebChat.Groups;

namespace WebChat.Browser.Tests.Components;

public sealed class ChatRoomTests : BunitContext
{
    private static readonly DateTime Noon = new(2026, 11, 24, 12, 5, 0, DateTimeKind.Utc);

    [Fact]
    public void IsHiddenAndEmptyBeforeAnyGroup()
    {
        var room = Render<ChatRoom>();

        Assert.True(room.Find("#room").HasAttribute("hidden"));
        Assert.Equal("", room.Find("#room-title").TextContent);
        Assert.Empty(room.FindAll("#messages > li"));
        Assert.Empty(room.FindAll("#members > li"));
        Assert.False(room.Find("#no-messages").HasAttribute("hidden"));
        Assert.Equal("No messages yet. Say hello!", room.Find("#no-messages").TextContent);
    }

    [Fact]
    public void HasTheContractsControls()
    {
        var room = Render<ChatRoom>();

        Assert.Equal("Message", room.Find("#message").GetAttribute("aria-label"));
        Assert.Equal("Send", room.Find("#send").TextContent);
        Assert.Equal("submit", room.Find("#send").GetAttribute("type"));
        Assert.Equal("Leave group", room.Find("#leave-group").TextContent);
        Assert.Equal("log", room.Find("#messages-scroll").GetAttribute("role"));
        Assert.Equal("New password", room.Find("label[for=new-password]").TextContent);
        Assert.Equal("Change password", room.Find("#change-password").TextContent);
        Assert.Equal("password", room.Find("#new-password").GetAttribute("type"));
    }

    [Fact]
    public void OnlyTheOwnerSeesThePasswordForm()
    {
        var asMember = Render<ChatRoom>(p => p.Add(r => r.GroupId, 3).Add(r => r.UserName, "Shoham").Add(r => r.Owner, "Hadas").Add(r => r.Members, ["Hadas", "Shoham"]));
        Assert.True(asMember.Find("#password-form").HasAttribute("hidden"));

        var asOwner = Render<ChatRoom>(p => p.Add(r => r.GroupId, 3).Add(r => r.UserName, "Hadas").Add(r => r.Owner, "Hadas").Add(r => r.Members, ["Hadas", "Shoham"]));
        Assert.False(asOwner.Find("#password-form").HasAttribute("hidden"));
        Assert.Equal("128", asOwner.Find("#new-password").GetAttribute("maxlength"));
    }

    [Fact]
    public void TheNotificationButtonIsHiddenUntilTheScriptFindsNotificationsAndNothingIsAskedOnLoad()
    {
        var room = Render<ChatRoom>();

        var notify = room.Find("#notify");
        Assert.True(notify.HasAttribute("hidden"));
        Assert.Equal("false", notify.GetAttribute("aria-pressed"));
        Assert.Equal("button", notify.GetAttribute("type"));
    }

    [Fact]
    public void ShowsTheGroupItsMembersAndItsHistory()
    {
        var room = Render<ChatRoom>(p => p
            .Add(r => r.GroupId, 3)
            .Add(r => r.UserName, "Hadas")
            .Add(r => r.Members, ["Shoham", "Hadas"])
            .Add(r => r.Messages, [new ChatMessage(1, 3, "Shoham", "Hello Hadas!!!!", Noon), new ChatMessage(2, 3, "Hadas", "Hi!", Noon)]));

        Assert.False(room.Find("#room").HasAttribute("hidden"));
        Assert.Equal("group chat #3", room.Find("#room-title").TextContent);
        Assert.Equal("3", room.Find("#room-id").TextContent);
        Assert.Equal("2", room.Find("#member-count").TextContent);
        Assert.Equal(["Shoham", "Hadas"], room.FindAll(".member-name").Select(e => e.TextContent));
        Assert.Equal(["Hello Hadas!!!!", "Hi!"], room.FindAll("#messages .text").Select(e => e.TextContent));
        Assert.True(room.Find("#no-messages").HasAttribute("hidden"));
    }
}
