using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Moderation;

/// <summary>The owner's events are in the group's one ordered stream, like messages, on every door.</summary>
public class ModerationOrderTests
{
    [Fact]
    public async Task MessagesAroundARemovalAreSeenInTheSameOrderByAHubMemberAndATcpMember()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "10000",
            ["Chat:Limits:MessageBurst"] = "10000",
        });
        await using var owner = await ChatClient.ConnectAsync(app, moderation: true);
        await using var talker = await ChatClient.ConnectAsync(app, moderation: true);
        await using var victim = await ChatClient.ConnectAsync(app, moderation: true);
        await using var hub = await ChatClient.ConnectAsync(app, moderation: true);
        var g = (await owner.CreateGroup("Owner", "pw")).GroupId;
        await talker.JoinGroup(g, "Talker", "pw");
        await victim.JoinGroup(g, "Victim", "pw");
        await hub.JoinGroup(g, "Hub", "pw");
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        await tcp.JoinGroupAsync(g, "Tcp", "pw");
        await hub.Heard.WaitForAsync(h => h == new HeardJoined(g, "Tcp"));
        await victim.Heard.WaitForAsync(h => h == new HeardJoined(g, "Tcp"));

        // The talker and the owner both talk while the owner removes the victim half way.
        const int each = 40;
        var talking = Task.Run(async () => { for (var i = 0; i < each; i++) await talker.Send(g, $"t{i}"); });
        for (var i = 0; i < each; i++)
        {
            if (i == each / 2) await owner.RemoveMember(g, "Victim");
            await owner.Send(g, $"o{i}");
        }
        await talking;
        await owner.Send(g, "end");

        // What the hub member heard, in the TCP gateway's words, is exactly what the TCP member got, line by line.
        var hubSaw = new List<string>();
        while (true)
        {
            var heard = await hub.Heard.NextAsync();
            var line = heard switch
            {
                HeardMessage m => $"{m.Message.Sender}: {m.Message.Text}",
                HeardMemberRemoved r => $"{r.UserName} was removed from the group by {r.By} ",
                _ => throw new Xunit.Sdk.XunitException($"Unexpected event {heard}"),
            };
            hubSaw.Add(line);
            if (line == "Owner: end") break;
        }
        var tcpSaw = new List<string>();
        for (var i = 0; i < hubSaw.Count; i++) tcpSaw.Add((await tcp.ReadLineAsync())!);
        Assert.Equal(hubSaw, tcpSaw);
        Assert.Equal(2 * each + 2, hubSaw.Count);
        var removal = hubSaw.IndexOf("Victim was removed from the group by Owner ");
        Assert.True(removal > hubSaw.IndexOf($"Owner: o{each / 2 - 1}") && removal < hubSaw.IndexOf($"Owner: o{each / 2}"));

        // The victim heard the group up to its removal, then nothing more of it.
        var victimSaw = new List<Heard>();
        while (victimSaw.LastOrDefault() is not HeardRemovedFromGroup) victimSaw.Add(await victim.Heard.NextAsync());
        var before = victimSaw.OfType<HeardMessage>().Select(m => $"{m.Message.Sender}: {m.Message.Text}").ToList();
        Assert.Equal(hubSaw[..removal], before);
        Assert.True(victim.Heard.IsEmpty, "The removed member still hears the group");
    }
}
