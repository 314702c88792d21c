using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;
using WebChat.Tests.Reliability;

namespace WebChat.Tests.Limits;

/// <summary>A run of refusals is one log line, however long it lasts: an attack must not flood the log.</summary>
[Collection(nameof(ServerLogCollection))]
public class RefusalLogTests
{
    [Fact]
    public async Task EachRunOfRefusalsIsLoggedOnceAndARunAfterAnAcceptanceIsANewOne()
    {
        var log = new ServerLog();
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:JoinsPerMinute"] = "10",
            ["Chat:Limits:GroupsPerAddress"] = "1",
            // One message every two seconds after a burst of two: a flood's refusals all fall between two refills.
            ["Chat:Limits:MessagesPerSecond"] = "0.5",
            ["Chat:Limits:MessageBurst"] = "2",
        }, s => s.AddSingleton<ILogEventSink>(log));
        var port = TcpChatClient.PortOf(app);

        // Creates over the address's groups, then over its attempts: two runs, one line each.
        await using var creator = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        var g = (await creator.CreateGroup("Creator", "pw")).GroupId;                                                       // attempt 1
        for (var i = 0; i < 9; i++) await Refusal.ExpectAsync(ChatError.TooManyGroups, () => creator.CreateGroup("C", "pw")); // 2-10
        for (var i = 0; i < 5; i++) await Refusal.ExpectAsync(ChatError.TooManyAttempts, () => creator.CreateGroup("C", "pw"));

        // Wrong passwords: each is logged (an operator wants to see guessing), the throttled joins after them once.
        await using var guesser = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        for (var i = 0; i < 5; i++) await Refusal.ExpectAsync(ChatError.WrongPassword, () => guesser.JoinGroup(g, "G", $"guess{i}"));
        for (var i = 0; i < 4; i++) await Refusal.ExpectAsync(ChatError.Throttled, () => guesser.JoinGroup(g, "G", "pw"));

        // A flood of messages: many refusals, one line; a message accepted once the bucket refills ends the run,
        // and the next flood is a new run with a line of its own. (On TCP, whose refusals are answered at once.)
        await using var listener = await ChatClient.ConnectAsync(app, from: "127.0.0.5");
        await listener.JoinGroup(g, "Listener", "pw");
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.4");
        await tcp.JoinGroupAsync(g, "Flooder", "pw");
        for (var i = 0; i < 20; i++) await tcp.SendAsync($"flood {i}");
        await log.WaitForAsync("Message refused: Flooder");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        for (var calm = 0; ; calm++)
        {
            await tcp.SendAsync($"calm {calm}");
            try
            {
                await listener.Heard.WaitForAsync(h => h is HeardMessage m && m.Message.Text.StartsWith("calm"), TimeSpan.FromMilliseconds(500));
                break;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline) { }
        }
        for (var i = 0; i < 20; i++) await tcp.SendAsync($"flood again {i}");
        await log.WaitForAsync("Message refused: Flooder", 2);

        Assert.Equal(1, log.Count("Create refused for 127.0.0.2"));
        Assert.Equal(1, log.Count("too many join attempts from 127.0.0.2"));
        Assert.Equal(5, log.Count("Wrong password for group"));
        Assert.Equal(1, log.Count("Join refused: too many wrong passwords from 127.0.0.3"));
        Assert.Equal(2, log.Count("Message refused: Flooder in group"));
    }
}
