using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Hubs;

public class ChatHubTests
{
    [Fact]
    public async Task CreatorGetsGroupOneAndJoinerSeesHistoryAndMembers()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await ChatClient.ConnectAsync(app);
        await using var shoham = await ChatClient.ConnectAsync(app);

        var created = await hadas.CreateGroup("Hadas", "12345");
        Assert.Equal(1, created.GroupId);
        Assert.Equal("Hadas", created.UserName);
        Assert.Equal(["Hadas"], created.Members);
        Assert.Empty(created.History);
        Assert.False(string.IsNullOrEmpty(created.RejoinToken));

        var first = await hadas.Send(1, "before you came");
        Assert.NotNull(first);

        var joined = await shoham.JoinGroup(1, "Shoham", "12345");
        Assert.Equal(["Hadas", "Shoham"], joined.Members);
        Assert.Equal("before you came", Assert.Single(joined.History).Text);
        Assert.Equal(new HeardJoined(1, "Shoham"), await hadas.Heard.NextAsync());
    }

    [Fact]
    public async Task MessageReachesOthersButNotTheSenderWithIncreasingIdsAndUtcTime()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("Hadas", "pw")).GroupId;
        await b.JoinGroup(g, "Shoham", "pw");

        var before = DateTime.UtcNow.AddSeconds(-5);
        var m1 = await b.Send(g, "Hello Hadas!!!!");
        var m2 = await a.Send(g, "Hi Shoham");
        Assert.True(m2!.Id > m1!.Id);
        Assert.Equal(DateTimeKind.Utc, m1.SentAt.Kind);
        Assert.InRange(m1.SentAt, before, DateTime.UtcNow.AddSeconds(5));

        var atA = await a.NextMessageAsync();
        Assert.Equal((m1.Id, "Shoham", "Hello Hadas!!!!", g), (atA.Id, atA.Sender, atA.Text, atA.GroupId));
        var atB = await b.NextMessageAsync();
        Assert.Equal(m2.Id, atB.Id);
        // The sender's own message never comes back to it: the next thing A hears is B's leave.
        await b.LeaveGroup(g);
        Assert.Equal(new HeardLeft(g, "Shoham"), await a.Heard.NextAsync());
    }

    [Fact]
    public async Task SentAtIsIso8601Utc()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("A", "pw")).GroupId;
        // Read the raw JSON to check the wire shape.
        var raw = await a.Connection.InvokeAsync<System.Text.Json.JsonElement>("SendMessage", g, "x");
        Assert.Equal(["id", "groupId", "sender", "text", "sentAt"], raw.EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("Z", raw.GetProperty("sentAt").GetString());
    }

    [Fact]
    public async Task FailuresAreHubExceptionsInPlainWords()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("Hadas", "12345")).GroupId;

        async Task<string> Fails(Task call) => (await Assert.ThrowsAsync<HubException>(() => call)).Message;

        Assert.Contains("There is no group with id 7", await Fails(b.JoinGroup(7, "Shoham", "12345")));
        Assert.Contains($"Wrong password for group {g}", await Fails(b.JoinGroup(g, "Shoham", "123")));
        Assert.Contains("already taken", await Fails(b.JoinGroup(g, "hADAS", "12345")));
        Assert.Contains("name", await Fails(b.CreateGroup("   ", "pw")));
        Assert.Contains("32", await Fails(b.CreateGroup(new string('n', 33), "pw")));
        Assert.Contains("control", await Fails(b.CreateGroup("bad\u0007name", "pw")));
        Assert.Contains("password", await Fails(b.CreateGroup("Shoham", "")));
        Assert.Contains("128", await Fails(b.CreateGroup("Shoham", new string('p', 129))));
        Assert.Contains($"not a member of group {g}", await Fails(b.Send(g, "hi")));
        Assert.Contains($"not a member of group {g}", await Fails(b.LeaveGroup(g)));
        Assert.Contains("not valid", await Fails(b.Rejoin("garbage", 0)));
        Assert.Contains("too long", await Fails(a.Send(g, new string('x', 2001))));
    }

    [Fact]
    public async Task PasswordsAreAnyTextAndCheckedPerGroup()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        await using var c = await ChatClient.ConnectAsync(app);
        var g1 = (await a.CreateGroup("A", "סיסמה 🔑 with spaces")).GroupId;
        var g2 = (await b.CreateGroup("B", "other")).GroupId;

        await Assert.ThrowsAsync<HubException>(() => c.JoinGroup(g1, "C", "other"));
        Assert.Equal(g1, (await c.JoinGroup(g1, "C", "סיסמה 🔑 with spaces")).GroupId);
        Assert.Equal(g2, (await c.JoinGroup(g2, "C", "other")).GroupId);
    }

    [Fact]
    public async Task BlankMessagesAreIgnoredAndLongestAllowedIsAccepted()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("A", "pw")).GroupId;
        await b.JoinGroup(g, "B", "pw");

        Assert.Null(await a.Send(g, ""));
        Assert.Null(await a.Send(g, "   \t "));
        var longest = new string('x', 2000);
        Assert.NotNull(await a.Send(g, longest));
        Assert.Equal(longest, (await b.NextMessageAsync()).Text);
    }

    [Fact]
    public async Task EmptyGroupIsDeletedAndItsIdIsReused()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        Assert.Equal(1, (await a.CreateGroup("A", "pw")).GroupId);
        Assert.Equal(2, (await b.CreateGroup("B", "pw")).GroupId);
        Assert.Equal([new(1, 1), new(2, 1)], await a.ListGroups());

        await a.LeaveGroup(1);
        Assert.Equal([new(2, 1)], await a.ListGroups());
        await Assert.ThrowsAsync<HubException>(() => b.JoinGroup(1, "B2", "pw"));
        Assert.Equal(1, (await a.CreateGroup("A", "new")).GroupId);
        Assert.Equal(3, (await a.CreateGroup("A", "third")).GroupId);
    }

    [Fact]
    public async Task OneConnectionInSeveralGroupsAndGroupsNeverSeeEachOther()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        await using var c = await ChatClient.ConnectAsync(app);
        var g1 = (await a.CreateGroup("A", "one")).GroupId;
        var g2 = (await a.CreateGroup("A", "two")).GroupId;
        await b.JoinGroup(g1, "B", "one");
        await c.JoinGroup(g2, "C", "two");
        await a.Heard.TakeAsync(2);

        await b.Send(g1, "to one");
        await c.Send(g2, "to two");
        var heard = (await a.Heard.TakeAsync(2)).Cast<HeardMessage>().Select(h => (h.Message.GroupId, h.Message.Text)).ToHashSet();
        Assert.Equal([(g1, "to one"), (g2, "to two")], heard);

        // B (only in g1) hears nothing of g2: its next event is g1's marker.
        await a.Send(g1, "marker");
        Assert.Equal("marker", (await b.NextMessageAsync()).Text);
        Assert.True(b.Heard.IsEmpty);
    }

    [Fact]
    public async Task LeaveTellsTheOthers()
    {
        await using var app = new WebChatApplication();
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("A", "pw")).GroupId;
        await b.JoinGroup(g, "B", "pw");
        await b.LeaveGroup(g);
        Assert.Equal(new HeardJoined(g, "B"), await a.Heard.NextAsync());
        Assert.Equal(new HeardLeft(g, "B"), await a.Heard.NextAsync());
        Assert.Equal([new(g, 1)], await a.ListGroups());
    }
}
