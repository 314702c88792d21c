using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;
using WebChat.Scale.Tests.Infrastructure;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Scale.Tests.Groups;

/// <summary>Owners, removals, password changes and rejoin generations hold across nodes: each is one event in the group's one stream.</summary>
public class ModerationAcrossNodesTests
{
    private static readonly Dictionary<string, string?> WithGateway = new() { ["Chat:Gateway:Enabled"] = "true" };

    [Fact]
    public async Task ARejoinTokenIsUsedUpByARejoinOnAnotherNodeAndTheOldConnectionLosesTheMember()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2);
        await using var hadas = await ChatClient.ConnectAsync(cluster[0]);
        await using var shoham = await ChatClient.ConnectAsync(cluster[1]);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        var joined = await shoham.JoinGroup(g, "Shoham", "pw");
        Assert.Equal("Hadas", joined.Owner);
        await using var witness = await ChatClient.ConnectAsync(cluster[1]);
        await witness.JoinGroup(g, "Witness", "pw");

        // A second page (on the other node) takes Shoham over while the first is still open.
        await using var page = await ChatClient.ConnectAsync(cluster[0]);
        var taken = await page.Rejoin(joined.RejoinToken, 0);
        Assert.Equal(("Shoham", "Hadas"), (taken.UserName, taken.Owner));
        Assert.NotEqual(joined.RejoinToken, taken.RejoinToken);

        await using var stale = await ChatClient.ConnectAsync(cluster[1]);
        var refused = await Assert.ThrowsAsync<HubException>(() => stale.Rejoin(joined.RejoinToken, 0));
        Assert.EndsWith("[InvalidToken]", refused.Message);
        refused = await Assert.ThrowsAsync<HubException>(() => shoham.Send(g, "from the old page"));
        Assert.EndsWith("[NotMember]", refused.Message);

        var hello = await hadas.Send(g, "hello");
        Assert.Equal(hello!.Id, (await page.NextMessageAsync()).Id);
        var next = await page.Rejoin(taken.RejoinToken, hello.Id);     // the current token still opens it, once
        Assert.Empty(next.History);
        await hadas.Send(g, "marker");
        await page.NextMessageAsync();
        Assert.Equal("marker", (await witness.Heard.WaitForAsync(h => h is HeardMessage { Message.Text: "marker" }) as HeardMessage)!.Message.Text);
        // The old page, on the witness's node, heard nothing after the takeover.
        Assert.Equal(new HeardJoined(g, "Witness"), await shoham.Heard.NextAsync());
        Assert.True(shoham.Heard.IsEmpty);
    }

    [Fact]
    public async Task ARemovalAndAPasswordChangeByTheOwnerOnOneNodeReachEveryDoorOnTheOther()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, WithGateway);
        await using var hadas = (await ChatClient.ConnectAsync(cluster[0])).HearingModeration();
        await using var shoham = (await ChatClient.ConnectAsync(cluster[1])).HearingModeration();
        await using var noa = (await ChatClient.ConnectAsync(cluster[1])).HearingModeration();
        await using var bar = await TcpChatClient.ConnectToMenuAsync(cluster[1]);
        await using var dana = await TcpChatClient.ConnectToMenuAsync(cluster[1]);
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        await shoham.JoinGroup(g, "Shoham", "pw");
        await noa.JoinGroup(g, "Noa", "pw");
        await bar.JoinGroupAsync(g, "Bar", "pw");
        await dana.JoinGroupAsync(g, "Dana", "pw");
        await bar.ExpectAsync("Dana has joined the group \n");

        await hadas.RemoveMember(g, "noa");
        Assert.Equal(new HeardRemovedMe(g, "Hadas"), await noa.Heard.WaitForAsync(h => h is HeardRemovedMe));
        Assert.Equal(new HeardRemoved(g, "Noa", "Hadas"), await shoham.Heard.WaitForAsync(h => h is HeardRemoved));
        await bar.ExpectAsync("Noa was removed from the group by Hadas \n");
        var refused = await Assert.ThrowsAsync<HubException>(() => noa.Send(g, "still here?"));
        Assert.EndsWith("[NotMember]", refused.Message);

        await hadas.RemoveMember(g, "Dana");
        await dana.WaitForLineAsync(l => l == "You were removed from the group by Hadas. ");
        await dana.ExpectAsync(TcpChatClient.Menu);
        Assert.Equal(new HeardRemoved(g, "Dana", "Hadas"), await shoham.Heard.WaitForAsync(h => h is HeardRemoved));
        await bar.ExpectAsync("Dana was removed from the group by Hadas \n");

        await hadas.ChangePassword(g, "new secret");
        Assert.Equal(new HeardPasswordChanged(g, "Hadas"), await shoham.Heard.WaitForAsync(h => h is HeardPasswordChanged));
        await bar.ExpectAsync("Hadas changed the group's password \n");
        refused = await Assert.ThrowsAsync<HubException>(() => noa.JoinGroup(g, "Noa", "pw"));
        Assert.EndsWith("[WrongPassword]", refused.Message);
        Assert.Equal(["Hadas", "Shoham", "Bar", "Noa"], (await noa.JoinGroup(g, "Noa", "new secret")).Members);

        // Only the owner may; the owner hands the group on, and the new owner's words count on the other node.
        refused = await Assert.ThrowsAsync<HubException>(() => shoham.RemoveMember(g, "Bar"));
        Assert.EndsWith("[NotOwner]", refused.Message);
        await hadas.TransferOwnership(g, "Shoham");
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await hadas.Heard.WaitForAsync(h => h is HeardOwnerChanged));
        await bar.WaitForLineAsync(l => l == "Shoham is now the owner of the group ");
        await shoham.RemoveMember(g, "Bar");
        await bar.ExpectAsync("You were removed from the group by Shoham. \n" + TcpChatClient.Menu);
        Assert.Equal(new HeardRemoved(g, "Bar", "Shoham"), await hadas.Heard.WaitForAsync(h => h is HeardRemoved { UserName: "Bar" }));
    }

    [Fact]
    public async Task WhenTheOwnersNodeIsKilledTheLongestStandingSurvivorBecomesOwnerOnEveryNode()
    {
        const int ttlSeconds = 2;
        var settings = new Dictionary<string, string?>
        {
            ["Chat:Redis:PresenceTtlSeconds"] = ttlSeconds.ToString(), ["Chat:Gateway:Enabled"] = "true", ["Chat:Limits:GroupsPerAddress"] = "2",
        };
        await using var cluster = await Cluster.StartAsync(nodes: 2, settings);
        var doomedSettings = Cluster.Settings(cluster.Redis, ttlSeconds);
        doomedSettings["Chat:Limits:GroupsPerAddress"] = "2";
        await using var doomed = await NodeProcess.StartBuiltAsync(doomedSettings);
        await using var owner = await ConnectAsync(doomed.BaseAddress);
        var g = (await owner.InvokeAsync<JoinedGroup>("CreateGroup", "Hadas", "pw")).GroupId;
        await using var lonely = await ConnectAsync(doomed.BaseAddress);
        await lonely.InvokeAsync<JoinedGroup>("CreateGroup", "Lonely", "pw");     // the address's second live group
        await using var shoham = (await ChatClient.ConnectAsync(cluster[0])).HearingModeration();
        await shoham.JoinGroup(g, "Shoham", "pw");
        await using var bar = await TcpChatClient.ConnectToMenuAsync(cluster[1]);
        await bar.JoinGroupAsync(g, "Bar", "pw");
        await using var noa = (await ChatClient.ConnectAsync(cluster[1])).HearingModeration();
        var joined = await noa.JoinGroup(g, "Noa", "pw");
        Assert.Equal("Hadas", joined.Owner);
        await bar.ExpectAsync("Noa has joined the group \n");

        var clock = Stopwatch.StartNew();
        await doomed.KillAsync();
        var bound = TimeSpan.FromSeconds(ttlSeconds * 4.0 / 3 + 5);
        Assert.Equal(new HeardLeft(g, "Hadas"), await noa.Heard.NextAsync(bound));
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await noa.Heard.NextAsync(bound));
        await bar.ExpectAsync("Hadas has removed from the group \nShoham is now the owner of the group \n", bound);
        Assert.Equal(new HeardOwnerChanged(g, "Shoham"), await shoham.Heard.WaitForAsync(h => h is HeardOwnerChanged, bound));

        await shoham.RemoveMember(g, "Bar");
        await bar.ExpectAsync("You were removed from the group by Shoham. \n" + TcpChatClient.Menu);
        Assert.Equal(new HeardRemoved(g, "Bar", "Shoham"), await noa.Heard.NextAsync());

        // The sweep deleted the dead node's lonely group, so the address has one live group left, and room for one more.
        await shoham.CreateGroup("Shoham", "pw");
        var refused = await Assert.ThrowsAsync<HubException>(() => noa.CreateGroup("Noa", "pw"));
        Assert.EndsWith("[TooManyGroups]", refused.Message);
    }

    [Fact]
    public async Task MessagesAroundARemovalArriveInOneOrderAtEveryDoorOnEveryNode()
    {
        await using var cluster = await Cluster.StartAsync(nodes: 2, WithGateway);
        await using var hadas = (await ChatClient.ConnectAsync(cluster[0])).HearingModeration();
        var g = (await hadas.CreateGroup("Hadas", "pw")).GroupId;
        var hubs = new List<ChatClient>();
        var tcps = new List<TcpChatClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var node = cluster[i % 2];
                var hub = (await ChatClient.ConnectAsync(node)).HearingModeration();
                hubs.Add(hub);
                await hub.JoinGroup(g, $"Hub{i}", "pw");
                var tcp = await TcpChatClient.ConnectToMenuAsync(node);
                tcps.Add(tcp);
                await tcp.JoinGroupAsync(g, $"Tcp{i}", "pw");
            }
            await using var target = (await ChatClient.ConnectAsync(cluster[1])).HearingModeration();
            await target.JoinGroup(g, "Target", "pw");
            var sender = hubs[1];      // on the other node than the owner

            // Messages from two nodes and the owner's removal race; each door must see the one order of the stream.
            var sends = Task.Run(async () =>
            {
                for (var i = 0; i < 20; i++) await sender.Send(g, $"m{i}");
            });
            var owners = Task.Run(async () =>
            {
                for (var i = 0; i < 5; i++) await hadas.Send(g, $"o{i}");
                await hadas.RemoveMember(g, "Target");
                for (var i = 5; i < 10; i++) await hadas.Send(g, $"o{i}");
            });
            await Task.WhenAll(sends, owners);
            await hadas.Send(g, "end");

            var expected = await HubTranscriptAsync(hubs[0]);
            Assert.Equal(31, expected.Count);
            Assert.Contains("Target removed by Hadas", expected);
            foreach (var hub in hubs.Skip(2)) Assert.Equal(expected, await HubTranscriptAsync(hub));
            var forTcp = expected.Select(l => l.Replace("Target removed by Hadas", "Target was removed from the group by Hadas ")).ToList();
            foreach (var tcp in tcps) Assert.Equal(forTcp, await TcpTranscriptAsync(tcp));
        }
        finally
        {
            foreach (var hub in hubs) await hub.DisposeAsync();
            foreach (var tcp in tcps) await tcp.DisposeAsync();
        }
    }

    /// <summary>Messages and removals the client heard after the last join, up to the message "end".</summary>
    private static async Task<List<string>> HubTranscriptAsync(ChatClient client)
    {
        var lines = new List<string>();
        while (true)
        {
            var heard = await client.Heard.NextAsync();
            switch (heard)
            {
                case HeardMessage { Message.Text: "end" }: return lines;
                case HeardMessage m: lines.Add($"{m.Message.Sender}: {m.Message.Text}"); break;
                case HeardRemoved r: lines.Add($"{r.UserName} removed by {r.By}"); break;
                case HeardJoined: lines.Clear(); break;
            }
        }
    }

    private static async Task<List<string>> TcpTranscriptAsync(TcpChatClient client)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await client.ReadLineAsync() ?? throw new InvalidOperationException("closed");
            if (line == "Hadas: end") return lines;
            if (line.EndsWith(" has joined the group ")) lines.Clear();
            else lines.Add(line);
        }
    }

    private static Task<HubConnection> ConnectAsync(Uri node) => ChatClient.ConnectHubAsync(node);
}
