using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>SignalR members and TCP members in the same groups, seen from both sides.</summary>
public class GatewayInteropTests
{
    [Fact]
    public async Task ASignalRMemberAndATcpMemberChatBothWaysWithJoinsAndLeaves()
    {
        await using var app = new WebChatApplication();
        await using var hub = await ChatClient.ConnectAsync(app);
        var created = await hub.CreateGroup("Hadas", "12345");
        await hub.Send(created.GroupId, "before you came");

        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        await tcp.JoinGroupAsync(created.GroupId, "Shoham", "12345");
        await tcp.ExpectAsync("Hadas: before you came\n");
        Assert.Equal(new HeardJoined(created.GroupId, "Shoham"), await hub.Heard.NextAsync());

        await tcp.SendAsync("Hello Hadas!!!!");
        var heard = await hub.NextMessageAsync();
        Assert.Equal(("Shoham", "Hello Hadas!!!!", created.GroupId), (heard.Sender, heard.Text, heard.GroupId));

        await hub.Send(created.GroupId, "Hi Shoham, שלום 😀");
        await tcp.ExpectAsync("Hadas: Hi Shoham, שלום 😀\n");

        await using var hub2 = await ChatClient.ConnectAsync(app);
        await hub2.JoinGroup(created.GroupId, "Bar", "12345");
        await tcp.ExpectAsync("Bar has joined the group \n");
        await hub2.LeaveGroup(created.GroupId);
        await tcp.ExpectAsync("Bar has removed from the group \n");

        await tcp.SendAsync("Exit");
        await tcp.ExpectAsync("You chose exit so you removed from the group. \n" + TcpChatClient.Menu);
        Assert.Equal(new HeardJoined(created.GroupId, "Bar"), await hub.Heard.NextAsync());
        Assert.Equal(new HeardLeft(created.GroupId, "Bar"), await hub.Heard.NextAsync());
        Assert.Equal(new HeardLeft(created.GroupId, "Shoham"), await hub.Heard.NextAsync());
    }

    [Fact]
    public async Task ATcpMemberWhoCreatedAGroupSeesSignalRJoinersAndTheirLinesAreSingleLines()
    {
        await using var app = new WebChatApplication();
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await tcp.CreateGroupAsync("Hadas", "pw");
        await tcp.SendAsync("from tcp");

        await using var hub = await ChatClient.ConnectAsync(app);
        var joined = await hub.JoinGroup(g, "Shoham", "pw");
        Assert.Equal(["Hadas", "Shoham"], joined.Members);
        Assert.Equal("from tcp", Assert.Single(joined.History).Text);
        await tcp.ExpectAsync("Shoham has joined the group \n");

        // A hub text with line breaks cannot fake other lines on a terminal.
        await hub.Send(g, "two\nlines\r\nHadas has removed from the group ");
        await tcp.ExpectAsync("Shoham: two lines Hadas has removed from the group \n");
        await hub.LeaveGroup(g);
        await tcp.ExpectAsync("Shoham has removed from the group \n");
    }

    [Fact]
    public async Task ATcpJoinerDuringAStreamGetsHistoryThenLiveLinesWithNoGapAndNoRepeat()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:HistorySize"] = "1000",
            ["Chat:Limits:MessagesPerSecond"] = "100000",
            ["Chat:Limits:MessageBurst"] = "100000",
        });
        using var deliveries = app.Collect("webchat.deliveries");
        await using var hub = await ChatClient.ConnectAsync(app);
        var g = (await hub.CreateGroup("Hadas", "pw")).GroupId;

        // The hub member keeps talking from before the TCP join until 50 messages after it.
        var sent = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = Task.Run(async () =>
        {
            for (var after = 0; after < 50; sent++)
            {
                await hub.Send(g, $"m{sent}");
                if (sent == 10) started.SetResult();
                if (joined.Task.IsCompleted) after++;
            }
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        await tcp.JoinGroupAsync(g, "Shoham", "pw");
        joined.SetResult();
        await stream.WaitAsync(TimeSpan.FromSeconds(20));

        await tcp.ExpectAsync(string.Concat(Enumerable.Range(0, sent).Select(i => $"Hadas: m{i}\n")));
        await hub.Send(g, "last");
        await tcp.ExpectAsync("Hadas: last\n");
        // Some lines came as history, the rest live: the seam was crossed without a gap or a repeat.
        // (The one send in flight when the join completed may be counted "after" yet land in the history.)
        Assert.InRange(deliveries.Sum("door=tcp"), 50, sent - 10);
    }

    [Fact]
    public async Task ATcpMemberLeavingDuringAStreamGetsEveryLineBeforeItsLeaveAndNoneAfter()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "100000",
            ["Chat:Limits:MessageBurst"] = "100000",
        });
        await using var hub = await ChatClient.ConnectAsync(app);
        var g = (await hub.CreateGroup("Hadas", "pw")).GroupId;
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        await tcp.JoinGroupAsync(g, "Shoham", "pw");
        await hub.Heard.NextAsync();

        using var stop = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++) await hub.Send(g, $"m{i}");
        });
        await tcp.ExpectAsync("Hadas: m0\n");
        await tcp.SendAsync("Exit");
        await hub.Heard.WaitForAsync(h => h is HeardLeft);
        stop.Cancel();
        await stream;

        // A marker: an invalid menu choice. Everything before it is the tail of the chat, the goodbye and the menu.
        await tcp.SendAsync("4");
        var next = 1;
        string line;
        while ((line = (await tcp.ReadLineAsync())!) != "You chose exit so you removed from the group. ")
            Assert.Equal($"Hadas: m{next++}", line);
        await tcp.ExpectAsync(TcpChatClient.Menu + "You chose an invalid option... \n" + TcpChatClient.Menu);
    }

    [Fact]
    public async Task EveryMemberOfEitherDoorSeesTheSameOrder()
    {
        await using var app = new WebChatApplication();
        await using var hubA = await ChatClient.ConnectAsync(app);
        await using var hubC = await ChatClient.ConnectAsync(app);
        await using var tcpB = await TcpChatClient.ConnectToMenuAsync(app);
        await using var tcpD = await TcpChatClient.ConnectToMenuAsync(app);
        var g = (await hubA.CreateGroup("A", "pw")).GroupId;
        await tcpB.JoinGroupAsync(g, "B", "pw");
        await hubC.JoinGroup(g, "C", "pw");
        await tcpD.JoinGroupAsync(g, "D", "pw");
        await tcpB.ExpectAsync("C has joined the group \nD has joined the group \n");
        for (var i = 0; i < 3; i++) await hubA.Heard.NextAsync();
        await hubC.Heard.NextAsync();

        const int each = 15; // inside the default burst of 20
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < each; i++) await hubA.Send(g, $"A{i}"); }),
            Task.Run(async () => { for (var i = 0; i < each; i++) await hubC.Send(g, $"C{i}"); }),
            tcpB.SendAsync(string.Join("\n", Enumerable.Range(0, each).Select(i => $"B{i}"))),
            tcpD.SendAsync(string.Join("\n", Enumerable.Range(0, each).Select(i => $"D{i}"))));

        var atA = (await hubA.Heard.TakeAsync(3 * each)).Cast<HeardMessage>().Select(h => h.Message).ToList();
        var atC = (await hubC.Heard.TakeAsync(3 * each)).Cast<HeardMessage>().Select(h => h.Message).ToList();
        var ids = atA.Concat(atC).GroupBy(m => m.Text).ToDictionary(x => x.Key, x => x.First().Id);
        Assert.Equal(4 * each, ids.Count);

        async Task<List<long>> TcpOrder(TcpChatClient client)
        {
            var order = new List<long>();
            for (var i = 0; i < 3 * each; i++)
            {
                var line = (await client.ReadLineAsync())!;
                order.Add(ids[line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..]]);
            }
            return order;
        }

        foreach (var order in new[] { atA.Select(m => m.Id).ToList(), atC.Select(m => m.Id).ToList(), await TcpOrder(tcpB), await TcpOrder(tcpD) })
            Assert.Equal(order.Order(), order);
    }
}
