using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Limits;

/// <summary>
/// Create and join attempts per address and minute (successful or not, and rejoins with a bad token) on the hub
/// and on TCP; a rejoin with a valid token is neither counted nor refused.
/// </summary>
public class AttemptLimitsTests
{
    [Fact]
    public async Task CreatesJoinsAndBadRejoinsCountAgainstTheAddressButValidRejoinsDoNot()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Limits:JoinsPerMinute"] = "6" });
        await using var host = await ChatClient.ConnectAsync(app, from: "127.0.0.9");
        var g = (await host.CreateGroup("Host", "pw")).GroupId;
        await using var a = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        var b = await ChatClient.ConnectAsync(app, from: "127.0.0.2");

        var own = await a.CreateGroup("A", "pw");                                                     // 1
        await Refusal.ExpectAsync(ChatError.WrongPassword, () => b.JoinGroup(g, "B", "wrong"));        // 2
        await Refusal.ExpectAsync(ChatError.UnknownGroup, () => b.JoinGroup(999, "B", "pw"));          // 3
        await Refusal.ExpectAsync(ChatError.InvalidToken, () => b.Rejoin("not a token", 0));           // 4
        var joined = await b.JoinGroup(g, "B", "pw");                                                  // 5

        // Twenty valid rejoins, on new connections as after a network blip, cost nothing.
        var token = joined.RejoinToken;
        for (var i = 0; i < 20; i++)
        {
            await b.DisposeAsync();
            b = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
            token = (await b.Rejoin(token, 0)).RejoinToken;
        }
        await a.JoinGroup(g, "A", "pw");                                                               // 6

        var refused = await Refusal.ExpectAsync(ChatError.TooManyAttempts, () => a.CreateGroup("A", "pw"));
        Assert.Contains("Too many attempts to create or join groups from your address (at most 6 a minute)", refused.Message);
        await Refusal.ExpectAsync(ChatError.TooManyAttempts, () => b.JoinGroup(own.GroupId, "B", "pw"));
        await Refusal.ExpectAsync(ChatError.TooManyAttempts, () => b.Rejoin("not a token either", 0));
        // Over the limit a valid rejoin is still let in.
        await b.DisposeAsync();
        b = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        await using var _ = b;
        var back = await b.Rejoin(token, 0);
        Assert.Equal("B", back.UserName);

        // The sessions go on: both talk in their group, and another address is not affected.
        await b.Send(g, "still talking");
        Assert.Equal("still talking", (await host.NextMessageAsync()).Text);
        await a.Send(g, "me too");
        Assert.Equal("me too", (await b.NextMessageAsync()).Text);
        await using var neighbour = await ChatClient.ConnectAsync(app, from: "127.0.0.3");
        await neighbour.JoinGroup(g, "Neighbour", "pw");
    }

    [Fact]
    public async Task TcpJoinsAndCreatesCountAgainstTheSameAddressAndARefusalLeavesTheSessionAtItsPrompt()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Limits:JoinsPerMinute"] = "3" });
        var port = TcpChatClient.PortOf(app);
        await using var host = await ChatClient.ConnectAsync(app, from: "127.0.0.9");
        var g = (await host.CreateGroup("Host", "pw")).GroupId;
        // One attempt on the hub, two on TCP, from one address.
        await using var hub = await ChatClient.ConnectAsync(app, from: "127.0.0.2");
        await hub.CreateGroup("Hub", "pw");
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
        await tcp.StartJoinAsync(g, "Tcp");
        await tcp.SendAsync("wrong");
        await tcp.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
        await tcp.SendAsync("pw");
        await tcp.ExpectAsync($"You're connected to group chat #{g}\n");
        await tcp.ExitGroupAsync();

        const string tooMany = "Too many attempts to create or join groups from your address (at most 3 a minute); wait a minute and try again\n";
        await tcp.StartJoinAsync(g, "Tcp");
        await tcp.SendAsync("pw");
        await tcp.ExpectAsync(tooMany + "Enter password: \n");
        await using var creator = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
        await creator.SendAsync("2");
        await creator.ExpectAsync("Enter your name: \n");
        await creator.SendAsync("Creator");
        await creator.ExpectAsync("Enter password for the group: \n");
        await creator.SendAsync("pw");
        await creator.ExpectAsync(tooMany + "Enter password for the group: \n");
        await Refusal.ExpectAsync(ChatError.TooManyAttempts, () => hub.CreateGroup("Hub", "pw"));

        // The connections stay open; a TCP member of another address joins as usual and hears the group.
        await using var friend = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.3");
        await friend.JoinGroupAsync(g, "Friend", "pw");
        await host.Send(g, "welcome");
        await friend.ExpectAsync("Host: welcome\n");
        Assert.False(tcp.Closed);
        Assert.False(creator.Closed);
    }
}
