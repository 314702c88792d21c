using Microsoft.AspNetCore.SignalR;
using WebChat.Scale.Tests.Infrastructure;
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
}
