using Microsoft.AspNetCore.SignalR;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Groups;

public class CrossNodeChatTests
{
    [Fact]
    public async Task MembersOnDifferentNodesChatBothWaysAndSeeEachOthersJoinsAndLeaves()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        await using var noa = await ChatClient.ConnectAsync(cluster[1]);

        var created = await hadas.CreateGroup("Hadas", "12345");
        Assert.Equal(1, created.GroupId);
        var joined = await shoham.JoinGroup(1, "Shoham", "12345");
        Assert.Equal(["Hadas", "Shoham"], joined.Members);
        Assert.Equal(new HeardJoined(1, "Shoham"), await hadas.Heard.NextAsync());

        var hello = await shoham.Send(1, "Hello Hadas!!!!");
        var atHadas = await hadas.NextMessageAsync();
        Assert.Equal((hello!.Id, "Shoham", "Hello Hadas!!!!"), (atHadas.Id, atHadas.Sender, atHadas.Text));
        Assert.Equal(hello.SentAt, atHadas.SentAt);
        var reply = await hadas.Send(1, "Hi Shoham");
        Assert.Equal(reply!.Id, (await shoham.NextMessageAsync()).Id);

        Assert.Equal(["Hadas", "Shoham", "Noa"], (await noa.JoinGroup(1, "Noa", "12345")).Members);
        Assert.Equal(new HeardJoined(1, "Noa"), await hadas.Heard.NextAsync());
        Assert.Equal(new HeardJoined(1, "Noa"), await shoham.Heard.NextAsync());
        Assert.Equal([new WebChat.Groups.GroupSummary(1, 3)], await hadas.ListGroups());

        await hadas.LeaveGroup(1);
        Assert.Equal(new HeardLeft(1, "Hadas"), await shoham.Heard.NextAsync());
        Assert.Equal(new HeardLeft(1, "Hadas"), await noa.Heard.NextAsync());
        Assert.Equal([new WebChat.Groups.GroupSummary(1, 2)], await shoham.ListGroups());
        var refused = await Assert.ThrowsAsync<HubException>(() => hadas.Send(1, "still here?"));
        Assert.Contains("not a member of group 1", refused.Message);
    }

    [Fact]
    public async Task JoinerOnAnotherNodeGetsTheHistoryAndWrongPasswordsCountAcrossNodes()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var eve = await ChatClient.ConnectAsync(cluster[0]);
        await using var eveElsewhere = await ChatClient.ConnectAsync(cluster[1]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        var g = (await hadas.CreateGroup("Hadas", "12345")).GroupId;
        foreach (var text in new[] { "one", "two", "three" }) await hadas.Send(g, text);

        var joined = await shoham.JoinGroup(g, "Shoham", "12345");
        Assert.Equal(["one", "two", "three"], joined.History.Select(m => m.Text));
        Assert.Equal(["Hadas", "Shoham"], joined.Members);
        var taken = await Assert.ThrowsAsync<HubException>(() => eveElsewhere.JoinGroup(g, "HADAS", "12345"));
        Assert.Contains("already taken", taken.Message);

        // Five wrong passwords on one node use up the address's allowance on every node.
        for (var i = 0; i < 5; i++)
        {
            var wrong = await Assert.ThrowsAsync<HubException>(() => (i % 2 == 0 ? eve : eveElsewhere).JoinGroup(g, "Eve", "guess" + i));
            Assert.Contains($"Wrong password for group {g}", wrong.Message);
        }
        var throttled = await Assert.ThrowsAsync<HubException>(() => eveElsewhere.JoinGroup(g, "Eve", "12345"));
        Assert.Contains("Too many wrong passwords", throttled.Message);
    }

    [Fact]
    public async Task RejoinOnAnotherNodeReplaysExactlyWhatWasMissed()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        var shoham = await ChatClient.ConnectAsync(cluster[1]);
        var g = (await hadas.CreateGroup("Hadas", "12345")).GroupId;
        var joined = await shoham.JoinGroup(g, "Shoham", "12345");
        Assert.Equal(new HeardJoined(g, "Shoham"), await hadas.Heard.NextAsync());
        await hadas.Send(g, "seen");
        var lastSeen = (await shoham.NextMessageAsync()).Id;

        await shoham.DisposeAsync();    // the connection drops; Shoham is kept for the reconnect grace
        var missed = new List<long>();
        foreach (var text in new[] { "missed 1", "missed 2" }) missed.Add((await hadas.Send(g, text))!.Id);

        await using var back = await ChatClient.ConnectAsync(cluster[0]);
        var rejoined = await back.Rejoin(joined.RejoinToken, lastSeen);
        Assert.Equal(missed, rejoined.History.Select(m => m.Id));
        Assert.Equal(["Hadas", "Shoham"], rejoined.Members);

        var after = await hadas.Send(g, "welcome back");
        Assert.Equal(after!.Id, (await back.NextMessageAsync()).Id);
        var answer = await back.Send(g, "thanks");
        // Hadas heard neither a leave nor a join: the next thing after the first join is Shoham's answer.
        Assert.Equal(new HeardMessage(answer!), await hadas.Heard.NextAsync());
    }

    [Fact]
    public async Task TcpMemberOnOneNodeAndSignalRMemberOnAnotherChatBothWays()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, new Dictionary<string, string?> { ["Chat:Gateway:Enabled"] = "true" });
        await using var bar = await TcpChatClient.ConnectToMenuAsync(cluster[0]);
        await using var hadas = await ChatClient.ConnectAsync(cluster[1]);

        var g = await bar.CreateGroupAsync("Bar", "123");
        await bar.SendAsync("before you came");
        // The gateway handles a session's lines in order: once /who is answered, the message was taken.
        await bar.SendAsync("/who");
        await bar.ExpectAsync($"Members of group #{g}: Bar (owner)\n");
        var joined = await hadas.JoinGroup(g, "Hadas", "123");
        Assert.Equal(["Bar", "Hadas"], joined.Members);
        Assert.Equal("before you came", Assert.Single(joined.History).Text);
        await bar.ExpectAsync("Hadas has joined the group \n");

        await hadas.Send(g, "Hi Bar");
        await bar.ExpectAsync("Hadas: Hi Bar\n");
        await bar.SendAsync("Hello Hadas!!!!");
        var heard = await hadas.NextMessageAsync();
        Assert.Equal((g, "Bar", "Hello Hadas!!!!"), (heard.GroupId, heard.Sender, heard.Text));

        await bar.SendAsync("Exit");
        await bar.ExpectAsync("You chose exit so you removed from the group. \n");
        Assert.Equal(new HeardLeft(g, "Bar"), await hadas.Heard.NextAsync());
    }
}
