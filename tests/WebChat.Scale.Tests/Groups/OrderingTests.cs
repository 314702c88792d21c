using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Groups;

public class OrderingTests
{
    [Fact]
    public async Task SendersOnThreeNodesAtOnceAreHeardInOneOrderEverywhereExactlyOnce()
    {
        const int perSender = 150;
        await using var cluster = await Cluster.StartAsync(nodes: 3);
        var senders = new List<ChatClient>();
        var watchers = new List<ChatClient>();
        for (var i = 0; i < 3; i++)
        {
            senders.Add(await ChatClient.ConnectAsync(cluster[i]));
            watchers.Add(await ChatClient.ConnectAsync(cluster[i]));
        }
        try
        {
            var g = (await watchers[0].CreateGroup("watcher0", "pw")).GroupId;
            for (var i = 1; i < 3; i++) await watchers[i].JoinGroup(g, "watcher" + i, "pw");
            for (var i = 0; i < 3; i++) await senders[i].JoinGroup(g, "sender" + i, "pw");

            var sent = await Task.WhenAll(senders.Select(async (sender, i) =>
            {
                var ids = new List<long>();
                for (var n = 0; n < perSender; n++) ids.Add((await sender.Send(g, $"{i}:{n}"))!.Id);
                return ids;
            }));
            var accepted = sent.SelectMany(ids => ids).Order().ToList();
            Assert.Equal(3 * perSender, accepted.Distinct().Count());

            var heard = await Task.WhenAll(watchers.Select(w => w.MessagesAsync(3 * perSender, TimeSpan.FromSeconds(30))));
            foreach (var messages in heard)
                Assert.Equal(accepted, messages.Select(m => m.Id));     // the same sequence on every node, each once
            for (var i = 0; i < 3; i++)
            {
                // Each sender's own messages keep their order in the stream.
                var own = heard[0].Where(m => m.Sender == "sender" + i).Select(m => m.Text);
                Assert.Equal(Enumerable.Range(0, perSender).Select(n => $"{i}:{n}"), own);
                // A sender hears everyone else's messages, in the same order, and never its own.
                var others = await senders[i].MessagesAsync(2 * perSender, TimeSpan.FromSeconds(30));
                Assert.Equal(accepted.Except(sent[i]), others.Select(m => m.Id));
            }
            Assert.All(watchers.Concat(senders), c => Assert.True(c.Heard.IsEmpty));
        }
        finally
        {
            foreach (var c in senders.Concat(watchers)) await c.DisposeAsync();
        }
    }
}
