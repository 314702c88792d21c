using System.Text;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>What one group's history and the list of groups may cost, whatever the clients send.</summary>
public class HistoryAndListTests
{
    [Fact]
    public async Task AGroupsHistoryKeepsAtMostItsBytesOfTextDroppingTheOldestOnEveryDoor()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:HistoryMaxBytes"] = "100",
            ["Chat:Limits:MessagesPerSecond"] = "1000",
            ["Chat:Limits:MessageBurst"] = "1000",
        });
        await using var sender = await ChatClient.ConnectAsync(app);
        var g = (await sender.CreateGroup("Sender", "pw")).GroupId;
        // Nine emoji (4 UTF-8 bytes, 2 UTF-16 chars each) and a digit: 37 bytes, 19 chars. Bytes keep 2, chars would keep 5.
        var texts = Enumerable.Range(0, 10).Select(i => string.Concat(Enumerable.Repeat("😀", 9)) + i).ToList();
        Assert.All(texts, t => Assert.Equal(37, Encoding.UTF8.GetByteCount(t)));
        foreach (var text in texts) await sender.Send(g, text);

        await using var late = await ChatClient.ConnectAsync(app);
        var joined = await late.JoinGroup(g, "Late", "pw");
        Assert.Equal(texts[^2..], joined.History.Select(m => m.Text));

        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        await tcp.JoinGroupAsync(g, "Tcp", "pw");
        await tcp.ExpectAsync($"Sender: {texts[^2]}\nSender: {texts[^1]}\n");

        // One message bigger than the whole budget leaves nothing older behind it.
        var big = new string('x', 150);
        await sender.Send(g, big);
        await using var later = await ChatClient.ConnectAsync(app);
        var kept = (await later.JoinGroup(g, "Later", "pw")).History.Select(m => m.Text);
        Assert.DoesNotContain(kept, texts.Contains);
    }

    [Fact]
    public async Task ListGroupsReturnsAtMostAHundredGroupsMostMembersFirst()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Limits:GroupsPerConnection"] = "1000" });
        await using var creator = await ChatClient.ConnectAsync(app);
        Assert.Empty(await creator.ListGroups());
        for (var i = 0; i < 105; i++) await creator.CreateGroup("Creator", "pw");
        // Group 104 gets three more members, 50 two more, 7 one more.
        var joiners = new List<ChatClient>();
        try
        {
            for (var j = 0; j < 3; j++) joiners.Add(await ChatClient.ConnectAsync(app));
            foreach (var (g, count) in new[] { (104, 3), (50, 2), (7, 1) })
                for (var j = 0; j < count; j++) await joiners[j].JoinGroup(g, $"Joiner{j}", "pw");

            var list = await joiners[0].ListGroups();
            Assert.Equal(100, list.Length);
            Assert.Equal([new(104, 4), new(50, 3), new(7, 2)], list[..3]);
            Assert.All(list[3..], s => Assert.Equal(1, s.MemberCount));
            Assert.Equal(100, list.Select(s => s.GroupId).Distinct().Count());

            // Sizes change the order at once: 104 empties down to its creator, 7 grows.
            for (var j = 0; j < 3; j++) await joiners[j].LeaveGroup(104);
            await joiners[1].JoinGroup(7, "Joiner1", "pw");
            await joiners[2].JoinGroup(7, "Joiner2", "pw");
            list = await creator.ListGroups();
            Assert.Equal([new(7, 4), new(50, 3)], list[..2]);
            Assert.Equal(100, list.Length);
        }
        finally
        {
            foreach (var j in joiners) await j.DisposeAsync();
        }
    }
}
