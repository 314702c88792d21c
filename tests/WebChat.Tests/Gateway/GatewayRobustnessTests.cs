using System.Text;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>Receivers that do not read, and clients that send anything at all, delay and break nobody else.</summary>
public class GatewayRobustnessTests
{
    [Fact]
    public async Task AStalledReceiverIsCutOffWhileTheOthersGetEveryLineInOrder()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessagesPerSecond"] = "100000",
            ["Chat:Limits:MessageBurst"] = "100000",
        });
        using var dropped = app.Collect("webchat.slow_receivers.dropped");
        await using var pusher = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await pusher.CreateGroupAsync("Pusher", "pw");
        await using var reader = await TcpChatClient.ConnectToMenuAsync(app);
        await reader.JoinGroupAsync(g, "Reader", "pw");
        await using var hub = await ChatClient.ConnectAsync(app);
        await hub.JoinGroup(g, "Hub", "pw");
        await using var stalled = await TcpChatClient.ConnectAsync(app, receiveBufferSize: 4096);
        await stalled.ExpectAsync(TcpChatClient.Menu);
        await stalled.JoinGroupAsync(g, "Stalled", "pw");
        await reader.ExpectAsync("Hub has joined the group \nStalled has joined the group \n");
        await hub.Heard.NextAsync();
        stalled.StopReading();

        const int perBatch = 200;
        var padding = new string('x', 1900);
        var cutOff = false;
        long lastId = 0;
        for (var batch = 0; batch < 40 && !cutOff; batch++)
        {
            // About 380 KB a batch, sent only once both healthy readers took the previous one: they are never
            // 1 MiB behind however busy the machine is, while the stalled one falls ever further behind.
            await pusher.SendAsync(string.Join("\n", Enumerable.Range(0, perBatch).Select(i => $"{batch}:{i}:{padding}")));
            for (var i = 0; i < perBatch; i++)
            {
                var line = (await reader.ReadLineAsync())!;
                if (line == "Stalled has removed from the group ")
                {
                    cutOff = true;
                    line = (await reader.ReadLineAsync())!;
                }
                Assert.Equal($"Pusher: {batch}:{i}:{padding}", line);
            }
            for (var i = 0; i < perBatch; i++)
            {
                var heard = await hub.Heard.NextAsync();
                if (heard is HeardLeft left)
                {
                    Assert.Equal(new HeardLeft(g, "Stalled"), left);
                    heard = await hub.Heard.NextAsync();
                }
                var message = Assert.IsType<HeardMessage>(heard).Message;
                Assert.Equal(($"{batch}:{i}:{padding}", true), (message.Text, message.Id > lastId));
                lastId = message.Id;
            }
        }
        Assert.True(cutOff, "the stalled receiver was never cut off");
        Assert.True(await stalled.DrainUntilClosedAsync(TimeSpan.FromSeconds(10)), "the stalled receiver's socket stayed open");
        Assert.Equal(1, dropped.Sum("door=tcp"));
    }

    [Fact]
    public async Task RandomBytesAndRandomMenuWalksDoNotDisturbAWellBehavedConversation()
    {
        await using var app = new WebChatApplication();
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await tcp.CreateGroupAsync("Hadas", "secret 𝄞");
        await using var hub = await ChatClient.ConnectAsync(app);
        await hub.JoinGroup(g, "Shoham", "secret 𝄞");
        await tcp.ExpectAsync("Shoham has joined the group \n");

        var until = DateTime.UtcNow.AddSeconds(3);
        var fuzzers = Enumerable.Range(0, 4).Select(k => Task.Run(() => FuzzAsync(app, new Random(20261124 + k), g, until))).ToArray();

        const int count = 30; // 10 a second, inside the flood limit
        var talk = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await tcp.SendAsync($"t{i}");
                await hub.Send(g, $"h{i}");
                await Task.Delay(100);
            }
        });
        await Task.WhenAll([talk, .. fuzzers]);

        for (var i = 0; i < count; i++) await tcp.ExpectAsync($"Shoham: h{i}\n");
        for (var i = 0; i < count; i++)
            Assert.Equal(($"t{i}", "Hadas"), (await hub.NextMessageAsync()) is var m ? (m.Text, m.Sender) : default);
        Assert.True(hub.Heard.IsEmpty);

        await using var late = await TcpChatClient.ConnectToMenuAsync(app);
        await late.SendAsync("3");
        await late.ExpectAsync("Exit the chat \n");
    }

    private static async Task FuzzAsync(WebChatApplication app, Random random, int groupId, DateTime until)
    {
        string[] words = ["1", "2", "3", "Exit", "/exit", "/who", "/help", "", " ", "0", groupId.ToString(), "-5", "wrong", "Fuzz",
            "שלום", "😀", "\t", new string('L', 9000)];
        string[] ends = ["\n", "\r\n", "", "\r", "\n\n"];
        while (DateTime.UtcNow < until)
        {
            await using var client = await TcpChatClient.ConnectAsync(app);
            for (var step = random.Next(1, 30); step > 0 && DateTime.UtcNow < until; step--)
            {
                if (random.Next(3) == 0)
                {
                    var bytes = new byte[random.Next(0, 3000)];
                    random.NextBytes(bytes);
                    await client.SendBytesAsync(bytes);
                }
                else await client.SendAsync(words[random.Next(words.Length)] + ends[random.Next(ends.Length)], newline: false);
                if (random.Next(4) == 0) await Task.Delay(random.Next(0, 200));
                if (client.Closed) break;
            }
            if (random.Next(3) == 0) client.Abort();
        }
    }
}
