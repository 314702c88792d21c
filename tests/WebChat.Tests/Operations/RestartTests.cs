using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using WebChat.Groups;
using WebChat.Store.Durable;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Operations;

/// <summary>
/// A node without Redis keeps its groups under Chat:DataPath: the published app, stopped with SIGTERM or killed
/// with SIGKILL, then started again on the same data folder (which each test owns).
/// </summary>
[Collection(PublishedAppCollection.Name)]
public sealed class RestartTests(PublishedApp published) : IDisposable
{
    private const string Password = "hunter2 and more";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "webchat-restart-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<NodeProcess> StartAsync(params (string Key, string Value)[] settings)
    {
        // Plain-text logs, so that a test can read what the node said.
        var all = new Dictionary<string, string?> { ["Chat:DataPath"] = _data, ["Chat:PasswordHashIterations"] = "1000", ["Logging:Json"] = "false" };
        foreach (var (key, value) in settings) all[key] = value;
        return NodeProcess.StartAsync(published, all);
    }

    private static async Task StopAsync(NodeProcess node)
    {
        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task AfterSigtermGroupsComeBackWithTheirIdsOwnersMembersAndHistoryAndTheMembersTakeTheirPlacesBack()
    {
        long lastSeenByHadas;
        string hadasToken, shohamToken;
        ChatMessage[] before;
        await using (var node = await StartAsync())
        {
            await using var hadas = await ChatClient.ConnectAsync(node.BaseAddress);
            var created = await hadas.CreateGroup("Hadas", Password);
            Assert.Equal(1, created.GroupId);
            hadasToken = created.RejoinToken;
            // Group 2 is deleted again and group 3 stays (its member will not come back): 2 is the smallest free id.
            await using var other = await ChatClient.ConnectAsync(node.BaseAddress);
            Assert.Equal(2, (await other.CreateGroup("Other", Password)).GroupId);
            Assert.Equal(3, (await hadas.CreateGroup("Hadas", Password)).GroupId);
            await other.LeaveGroup(2);

            await using var shoham = await ChatClient.ConnectAsync(node.BaseAddress);
            shohamToken = (await shoham.JoinGroup(1, "Shoham", Password)).RejoinToken;
            await using var terminal = await TcpChatClient.ConnectToMenuAsync(node.TcpPort);
            await terminal.JoinGroupAsync(1, "Terminal", Password);
            await terminal.SendAsync("typed before the restart");
            var fromTerminal = await hadas.Heard.WaitForAsync(h => h is HeardMessage { Message.Text: "typed before the restart" });
            var first = await hadas.Send(1, "said before the restart");
            var second = await shoham.Send(1, "also before the restart");
            await hadas.Heard.WaitForAsync(h => h is HeardMessage { Message.Text: "also before the restart" });
            lastSeenByHadas = second!.Id;
            before = [((HeardMessage)fromTerminal).Message, first!, second];

            // The terminal is still connected when the node stops: it is told, and it stays a member.
            await StopAsync(node);
            Assert.Equal("Server is shutting down", (await terminal.ReadUntilClosedAsync(TimeSpan.FromSeconds(10)))[^1]);
            Assert.DoesNotContain("left group 1", node.Output);
        }

        await using (var node = await StartAsync())
        {
            await using var shoham = await ChatClient.ConnectAsync(node.BaseAddress);
            var back = await shoham.Rejoin(shohamToken, lastSeenByHadas);
            Assert.Equal((1, "Shoham", "Hadas"), (back.GroupId, back.UserName, back.Owner));
            Assert.Equal(["Hadas", "Shoham", "Terminal"], back.Members);
            Assert.Empty(back.History);
            var missed = await shoham.Send(1, "said while Hadas was away");
            Assert.True(missed!.Id > lastSeenByHadas, $"message id {missed.Id} after the restart, {lastSeenByHadas} before");

            // The terminal takes its place back with its name and the password: the others see neither a leave nor a join.
            await using var terminal = await TcpChatClient.ConnectToMenuAsync(node.TcpPort);
            await terminal.JoinGroupAsync(1, "Terminal", Password);
            foreach (var m in before.Append(missed)) await terminal.ExpectAsync($"{m.Sender}: {m.Text}\n");
            await terminal.SendAsync("/who");
            await terminal.ExpectAsync("Members of group #1: Hadas (owner), Shoham, Terminal\n");
            await terminal.SendAsync("typed after the restart");
            var heard = await shoham.Heard.TakeAsync(1);
            Assert.Equal("typed after the restart", Assert.IsType<HeardMessage>(heard[0]).Message.Text);

            // The hub member rejoins with its token and gets what it missed, and is still the owner.
            await using var hadas = await ChatClient.ConnectAsync(node.BaseAddress);
            var rejoined = await hadas.Rejoin(hadasToken, lastSeenByHadas);
            Assert.Equal((1, "Hadas"), (rejoined.GroupId, rejoined.Owner));
            Assert.Equal(["said while Hadas was away", "typed after the restart"], rejoined.History.Select(m => m.Text));
            await hadas.Send(1, "back");
            await shoham.Heard.WaitForAsync(h => h is HeardMessage { Message.Text: "back" });
            await terminal.ExpectAsync("Hadas: back\n");
            Assert.True(shoham.Heard.IsEmpty, "Shoham heard something besides the messages");

            // A newcomer gets the whole history, with the ids given before the restart.
            await using var newcomer = await ChatClient.ConnectAsync(node.BaseAddress);
            var joined = await newcomer.JoinGroup(1, "Newcomer", Password);
            Assert.Equal(before.Select(m => (m.Id, m.Sender, m.Text)), joined.History.Take(3).Select(m => (m.Id, m.Sender, m.Text)));
            Assert.Equal("Hadas", joined.Owner);

            // Group 3 is there; the smallest free id goes to the next new group.
            Assert.Equal([1, 3], (await newcomer.ListGroups()).Select(g => g.GroupId).Order());
            Assert.Equal(2, (await newcomer.CreateGroup("Newcomer", Password)).GroupId);
            Assert.Contains("Restored 2 groups with 4 members", node.Output);
        }
    }

    [Fact]
    public async Task MembersWhoDoNotComeBackWithinTheGraceLeaveAsUsualAndAnEmptyGroupIsDeleted()
    {
        string shohamToken;
        await using (var node = await StartAsync())
        {
            await using var hadas = await ChatClient.ConnectAsync(node.BaseAddress);
            await hadas.CreateGroup("Hadas", Password);
            await using var shoham = await ChatClient.ConnectAsync(node.BaseAddress);
            shohamToken = (await shoham.JoinGroup(1, "Shoham", Password)).RejoinToken;
            await using var terminal = await TcpChatClient.ConnectToMenuAsync(node.TcpPort);
            await terminal.JoinGroupAsync(1, "Terminal", Password);
            await using var loner = await TcpChatClient.ConnectToMenuAsync(node.TcpPort);
            Assert.Equal(2, await loner.CreateGroupAsync("Loner", Password));
            await StopAsync(node);
        }

        await using (var node = await StartAsync(("Chat:ReconnectGraceSeconds", "15")))
        {
            await using var shoham = await ChatClient.ConnectAsync(node.BaseAddress);
            var owners = new EventLog<string>();
            shoham.Connection.On<int, string>("OwnerChanged", (_, owner) => owners.Add(owner));
            await shoham.Rejoin(shohamToken, 0);

            // Hadas (the owner) and Terminal do not come back: they leave, and the longest-standing member left owns the group.
            var left = new[]
            {
                await shoham.Heard.NextAsync(TimeSpan.FromSeconds(40)),
                await shoham.Heard.NextAsync(TimeSpan.FromSeconds(40)),
            };
            Assert.Equal(["Hadas", "Terminal"], left.Select(h => Assert.IsType<HeardLeft>(h).UserName).Order());
            Assert.Equal("Shoham", await owners.NextAsync());

            // The loner's group had nobody back: it is deleted, and its id is free again.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((await shoham.ListGroups()).Any(g => g.GroupId == 2) && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal([1], (await shoham.ListGroups()).Select(g => g.GroupId));
            await using var terminal = await TcpChatClient.ConnectToMenuAsync(node.TcpPort);
            await terminal.StartJoinAsync(1, "Terminal");
            await terminal.SendAsync(Password);
            await terminal.ExpectAsync("You're connected to group chat #1\n");
            await shoham.Heard.WaitForAsync(h => h is HeardJoined { UserName: "Terminal" });
        }
    }

    [Fact]
    public async Task AfterAKillEveryMessageAcceptedMoreThanASecondBeforeItIsThere()
    {
        var settings = new[]
        {
            ("Chat:HistorySize", "1000000"), ("Chat:HistoryMaxBytes", "100000000"),
            ("Chat:Limits:MessagesPerSecond", "1000000"), ("Chat:Limits:MessageBurst", "1000000"),
            ("Chat:Limits:MaxUnsentBytes", "67108864"),
        };
        var accepted = new List<(ChatMessage Message, TimeSpan At)>();
        TimeSpan killedAt;
        string token;
        await using (var node = await StartAsync(settings))
        {
            await using var hadas = await ChatClient.ConnectAsync(node.BaseAddress);
            token = (await hadas.CreateGroup("Hadas", Password)).RejoinToken;
            // Messages, each acknowledged with its id, up to about a thousand a second, until the node is killed.
            var clock = Stopwatch.StartNew();
            var killAfter = TimeSpan.FromSeconds(3);
            while (clock.Elapsed < killAfter)
            {
                accepted.Add((await hadas.Send(1, $"message {accepted.Count}") ?? throw new InvalidOperationException("ignored"), clock.Elapsed));
                if (accepted.Count > clock.Elapsed.TotalMilliseconds) await Task.Delay(1);
            }
            killedAt = clock.Elapsed;
            await node.KillAsync();
        }
        Assert.True(accepted.Count > 100, $"only {accepted.Count} messages in the burst");

        await using (var node = await StartAsync(settings))
        {
            await using var newcomer = await ChatClient.ConnectAsync(node.BaseAddress);
            var history = (await newcomer.JoinGroup(1, "Newcomer", Password)).History;
            var kept = history.Select(m => m.Id).ToHashSet();
            var due = accepted.Where(a => a.At < killedAt - TimeSpan.FromSeconds(1)).ToList();
            var missing = due.Where(a => !kept.Contains(a.Message.Id)).ToList();
            Assert.True(missing.Count == 0,
                $"{missing.Count} of {due.Count} messages accepted more than 1 s before the kill are missing, the first: {missing.FirstOrDefault()}");
            // What is there is what was sent, in order, without gaps.
            Assert.Equal(accepted.Take(history.Length).Select(a => (a.Message.Id, a.Message.Text)), history.Select(m => (m.Id, m.Text)));
            // Ids are never given twice, even those of the last messages, which may not have been written.
            var next = await newcomer.Send(1, "after the kill");
            Assert.True(next!.Id > accepted[^1].Message.Id, $"id {next.Id} after the kill, {accepted[^1].Message.Id} before it");
            // The member is kept too, and its token still opens it.
            await using var hadas = await ChatClient.ConnectAsync(node.BaseAddress);
            Assert.Equal("Hadas", (await hadas.Rejoin(token, accepted[^1].Message.Id)).UserName);
            Assert.Contains("did not stop cleanly", node.Output);
        }
    }

    [Fact]
    public async Task ATornWriteAheadLogStillOpensWithEverythingBeforeTheTornWrite()
    {
        var db = Path.Combine(_data, GroupJournal.FileName);
        var sent = new List<ChatMessage>();
        await using (var node = await StartAsync())
        {
            await using var hadas = await ChatClient.ConnectAsync(node.BaseAddress);
            await hadas.CreateGroup("Hadas", Password);
            for (var i = 0; i < 5; i++) sent.Add((await hadas.Send(1, $"first {i}"))!);
            await WaitForMessagesAsync(db, 5);
            for (var i = 0; i < 5; i++) sent.Add((await hadas.Send(1, $"second {i}"))!);
            await WaitForMessagesAsync(db, 10);
            await node.KillAsync();
        }
        // The last write is torn: the log ends in the middle of its last frame.
        var wal = db + "-wal";
        var length = new FileInfo(wal).Length;
        Assert.True(length > 4096, $"the write-ahead log has {length} bytes");
        using (var file = new FileStream(wal, FileMode.Open, FileAccess.Write)) file.SetLength(length - 1000);

        await using (var node = await StartAsync())
        {
            await using var newcomer = await ChatClient.ConnectAsync(node.BaseAddress);
            var joined = await newcomer.JoinGroup(1, "Newcomer", Password);
            Assert.Equal("Hadas", joined.Owner);
            // The first five are there; of the rest, what was written before the torn write.
            var history = joined.History.Select(m => (m.Id, m.Text)).ToList();
            Assert.True(history.Count is >= 5 and < 10, $"{history.Count} messages after the torn write");
            Assert.Equal(sent.Take(history.Count).Select(m => (m.Id, m.Text)), history);
        }
    }

    [Fact]
    public async Task ADataPathThatCannotBeCreatedIsAClearStartupErrorNamingTheSetting()
    {
        // Tests run as root, which may write anywhere: a folder under a regular file cannot be made by anyone.
        Directory.CreateDirectory(_data);
        var file = Path.Combine(_data, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        await using var node = NodeProcess.Launch(published,
            new Dictionary<string, string?> { ["Chat:DataPath"] = Path.Combine(file, "data"), ["Logging:Json"] = "false" });
        Assert.NotEqual(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"Chat:DataPath \"{Path.Combine(file, "data")}\" cannot be used", node.Output);
    }

    /// <summary>Waits until the journal has written <paramref name="count"/> messages (read through SQLite, as another reader would).</summary>
    private static async Task WaitForMessagesAsync(string db, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            await using (var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False"))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT count(*) FROM messages";
                if ((long)(await command.ExecuteScalarAsync())! >= count) return;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The journal did not write {count} messages within 10 s");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true);
    }
}
