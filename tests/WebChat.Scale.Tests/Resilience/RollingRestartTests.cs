using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Resilience;

public class RollingRestartTests
{
    [Fact]
    public async Task NodesStartedTogetherShareOneKeyAndAMemberOfAStoppedNodeRejoinsOnAnother()
    {
        await using var cluster = await Cluster.StartEmptyAsync();
        await cluster.StartTogetherAsync(2);
        var (staying, leaving) = (cluster[0], cluster[1]);
        await using var hadas = await ChatClient.ConnectAsync(staying);
        var shoham = await ChatClient.ConnectAsync(leaving);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        var joined = await shoham.JoinGroup(g, "Shoham", "pw");    // its token comes from the other node
        Assert.Equal(new HeardJoined(g, "Shoham"), await hadas.Heard.NextAsync());

        await cluster.StopNodeAsync(leaving);                          // a rolling restart takes Shoham's node away
        await shoham.DisposeAsync();
        var missed = (await hadas.Send(g, "while you moved"))!;

        await using var back = await ChatClient.ConnectAsync(staying);
        var rejoined = await back.Rejoin(joined.RejoinToken, 0);
        Assert.Equal([missed.Id], rejoined.History.Select(m => m.Id));
        Assert.Equal(["Hadas", "Shoham"], rejoined.Members);
        var answer = (await back.Send(g, "still here"))!;
        Assert.Equal(new HeardMessage(answer), await hadas.Heard.NextAsync());   // no leave, no second join
    }
}
