using System.Text;
using WebChat.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>Every row of the TCP dialogue in docs/protocol.md, seen from a raw socket.</summary>
public class GatewayDialogueTests
{
    private const string Menu = TcpChatClient.Menu;

    [Fact]
    public async Task TheSeedWalkthroughHoldsByteForByte()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await TcpChatClient.ConnectToMenuAsync(app);
        await hadas.SendAsync("2");
        await hadas.ExpectAsync("Enter your name: \n");
        await hadas.SendAsync("Hadas");
        await hadas.ExpectAsync("Enter password for the group: \n");
        await hadas.SendAsync("12345");
        await hadas.ExpectAsync("The id of the group is:1\nYou're connected to group chat #1\nYou can start to talk!\n");

        await using var shoham = await TcpChatClient.ConnectToMenuAsync(app);
        await shoham.SendAsync("1");
        await shoham.ExpectAsync("Enter your name: \n");
        await shoham.SendAsync("Shoham");
        await shoham.ExpectAsync("Enter group ID: \n");
        await shoham.SendAsync("2");
        await shoham.ExpectAsync("There is no group id like this,try again\nEnter group ID: \n");
        await shoham.SendAsync("1");
        await shoham.ExpectAsync("Enter password: \n");
        await shoham.SendAsync("123");
        await shoham.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
        await shoham.SendAsync("12345");
        await shoham.ExpectAsync("You're connected to group chat #1\n");
        await hadas.ExpectAsync("Shoham has joined the group \n");

        await shoham.SendAsync("Hello Hadas!!!!");
        await hadas.ExpectAsync("Shoham: Hello Hadas!!!!\n");

        await shoham.SendAsync("Exit");
        await shoham.ExpectAsync("You chose exit so you removed from the group. \n" + Menu);
        await hadas.ExpectAsync("Shoham has removed from the group \n");

        await hadas.SendAsync("Exit");
        await hadas.ExpectAsync("You chose exit so you removed from the group. \n" + Menu);

        // Group 1 is gone: its id is free for the next group, and the one after gets 2.
        await shoham.SendAsync("1");
        await shoham.ExpectAsync("Enter your name: \n");
        await shoham.SendAsync("Shoham");
        await shoham.ExpectAsync("Enter group ID: \n");
        await shoham.SendAsync("1");
        await shoham.ExpectAsync("There is no group id like this,try again\nEnter group ID: \n");

        await using var bar = await TcpChatClient.ConnectToMenuAsync(app);
        Assert.Equal(1, await bar.CreateGroupAsync("Bar", "123"));
        await using var hadassss = await TcpChatClient.ConnectToMenuAsync(app);
        Assert.Equal(2, await hadassss.CreateGroupAsync("Hadassss", "123456"));

        await bar.SendAsync("Exit");
        await bar.ExpectAsync("You chose exit so you removed from the group. \n" + Menu);
        await bar.SendAsync("3");
        await bar.ExpectAsync("Exit the chat \n");
        Assert.Empty(await bar.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task MenuThreeSaysGoodbyeAndCloses()
    {
        await using var app = new WebChatApplication();
        await using var client = await TcpChatClient.ConnectToMenuAsync(app);
        await client.SendAsync("3");
        await client.ExpectAsync("Exit the chat \n");
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task EachGroupOpensOnlyWithItsOwnPassword()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        Assert.Equal(1, await a.CreateGroupAsync("Hadas", "pass one"));
        Assert.Equal(2, await b.CreateGroupAsync("Bar", "two ✌"));

        await using var c = await TcpChatClient.ConnectToMenuAsync(app);
        await c.SendAsync("1");
        await c.ExpectAsync("Enter your name: \n");
        await c.SendAsync("Shoham");
        await c.ExpectAsync("Enter group ID: \n");
        await c.SendAsync("1");
        await c.ExpectAsync("Enter password: \n");
        await c.SendAsync("two ✌");
        await c.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
        await c.SendAsync("pass one");
        await c.ExpectAsync("You're connected to group chat #1\n");
        await a.ExpectAsync("Shoham has joined the group \n");
    }

    [Fact]
    public async Task NonNumericIdsAndMenuChoicesAreRefusedAndTheDialogueGoesOn()
    {
        await using var app = new WebChatApplication();
        await using var client = await TcpChatClient.ConnectToMenuAsync(app);
        foreach (var choice in new[] { "4", "one", "0", "1 2", "-1", "💥" })
        {
            await client.SendAsync(choice);
            await client.ExpectAsync("You chose an invalid option... \n" + Menu);
        }
        await client.SendAsync("1");
        await client.ExpectAsync("Enter your name: \n");
        await client.SendAsync("Shoham");
        await client.ExpectAsync("Enter group ID: \n");
        foreach (var id in new[] { "abc", "", "1.5", "-1", "0", "99999999999999", "#1", "1" })
        {
            await client.SendAsync(id);
            await client.ExpectAsync("There is no group id like this,try again\nEnter group ID: \n");
        }
    }

    [Fact]
    public async Task TheSeedClientStyleWithoutNewlinesAndNcStyleInOnePacketBothWork()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        // The seed's client: each input() sent bare; the server answers after the pause.
        await using var seed = await TcpChatClient.ConnectToMenuAsync(app);
        await SendBareAsync(seed, clock, "2");
        await seed.ExpectAsync("Enter your name: \n");
        await SendBareAsync(seed, clock, "Hadas");
        await seed.ExpectAsync("Enter password for the group: \n");
        await SendBareAsync(seed, clock, "12345");
        await seed.ExpectAsync("The id of the group is:1\nYou're connected to group chat #1\nYou can start to talk!\n");

        // nc: the whole dialogue typed ahead, CRLF like telnet.
        await using var nc = await TcpChatClient.ConnectToMenuAsync(app);
        await nc.SendAsync("1\r\nShoham\r\n1\r\n12345\r\nHello Hadas!!!!\r\n", newline: false);
        await nc.ExpectAsync("Enter your name: \nEnter group ID: \nEnter password: \nYou're connected to group chat #1\n");
        await seed.ExpectAsync("Shoham has joined the group \nShoham: Hello Hadas!!!!\n");

        await SendBareAsync(seed, clock, "Hi Shoham");
        await nc.ExpectAsync("Hadas: Hi Shoham\n");
    }

    [Fact]
    public async Task ABareChunkIsALineAfterExactly150MsOfSilenceNotBefore()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        await using var seed = await TcpChatClient.ConnectToMenuAsync(app);
        await using var nc = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await nc.CreateGroupAsync("Shoham", "pw");
        await seed.JoinGroupAsync(g, "Hadas", "pw");
        await nc.ExpectAsync("Hadas has joined the group \n");

        await seed.SendAsync("Hi", newline: false);
        await clock.WaitUntilArmedAsync(TcpSession.SilenceGap); // the server holds "Hi" and waits for more
        clock.Advance(TcpSession.SilenceGap - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, clock.ArmedFor(TimeSpan.FromMilliseconds(1))); // 149 ms: still waiting, nothing sent on

        // More bytes inside the pause belong to the same line, and the pause starts again from them.
        await seed.SendAsync(" Shoham", newline: false);
        await clock.WaitUntilArmedAsync(TcpSession.SilenceGap);
        clock.Advance(TcpSession.SilenceGap - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, clock.ArmedFor(TimeSpan.FromMilliseconds(1)));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await nc.ExpectAsync("Hadas: Hi Shoham\n");

        // A newline ends a line at once, whatever the clock says.
        await seed.SendAsync("and now");
        await nc.ExpectAsync("Hadas: and now\n");
    }

    /// <summary>Sends a chunk without a newline, as the seed's client does, and lets 150 ms of silence pass.</summary>
    private static async Task SendBareAsync(TcpChatClient client, FakeClock clock, string text)
    {
        await client.SendAsync(text, newline: false);
        await clock.WaitUntilArmedAsync(TcpSession.SilenceGap);
        clock.Advance(TcpSession.SilenceGap);
        // If the bytes reached the server in two reads, it started its pause again at the second: run that out
        // too. (A fresh-clone run once stopped here, the line never taken, with nobody left to move the clock.)
        for (var i = 0; i < 3; i++)
        {
            try { await clock.WaitUntilArmedAsync(TcpSession.SilenceGap, timeout: TimeSpan.FromMilliseconds(300)); }
            catch (TimeoutException) { return; }
            clock.Advance(TcpSession.SilenceGap);
        }
    }

    [Fact]
    public async Task HebrewAndEmojiPassUnchangedEvenWhenACharacterIsSplitAcrossPackets()
    {
        var clock = new FakeClock(); // the clock stands still: no pause between the two pieces ends the line
        await using var app = new WebChatApplication(services: clock.Install);
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("הדס", "סיסמה🔑");
        await b.JoinGroupAsync(g, "שהם 🌊", "סיסמה🔑");
        await a.ExpectAsync("שהם 🌊 has joined the group \n");

        await b.SendAsync("שלום הדס!!!! 😀👍🏽");
        await a.ExpectAsync("שהם 🌊: שלום הדס!!!! 😀👍🏽\n");

        var bytes = Encoding.UTF8.GetBytes("ש😀ם\n");
        for (var cut = 1; cut < bytes.Length - 1; cut++)
        {
            await b.SendBytesAsync(bytes[..cut]);
            await clock.WaitUntilArmedAsync(TcpSession.SilenceGap); // the server read the first piece on its own
            await b.SendBytesAsync(bytes[cut..]);
            await a.ExpectAsync("שהם 🌊: ש😀ם\n");
        }
    }

    [Fact]
    public async Task ALineOverEightKibIsRefusedWithANoticeAndTheConnectionStays()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");
        await b.JoinGroupAsync(g, "Shoham", "pw");

        await b.SendAsync(new string('x', 20_000), newline: false);
        await b.ExpectAsync("Your line was too long (over 8 KiB); it was discarded\n");
        await b.SendAsync(new string('y', 100) + "\nstill here");
        await b.SendAsync(new string('€', 3000)); // 9000 bytes in one line
        await b.ExpectAsync("Your line was too long (over 8 KiB); it was discarded\n");
        await b.SendAsync("and here");

        await a.ExpectAsync("Shoham has joined the group \nShoham: still here\nShoham: and here\n");
    }

    [Fact]
    public async Task GarbageBytesBecomeReplacementCharactersAndNothingBreaks()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");

        await b.SendBytesAsync([0xFF, 0xFE, 0x00, (byte)'\n']);
        await b.ExpectAsync("You chose an invalid option... \n" + Menu);
        await b.JoinGroupAsync(g, "Shoham", "pw");
        await a.ExpectAsync("Shoham has joined the group \n");

        await b.SendBytesAsync([(byte)'o', 0xC3, (byte)'k', 0xF0, 0x9F, (byte)'\n']);
        await a.ExpectAsync("Shoham: o\uFFFDk\uFFFD\n");
        await b.SendAsync("fine");
        await a.ExpectAsync("Shoham: fine\n");
    }

    [Fact]
    public async Task HistoryFollowsTheJoinAndBlankLinesAreIgnored()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");
        await a.SendAsync("first");
        await a.SendAsync("   ");
        await a.SendAsync("");
        await a.SendAsync("second");

        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        await b.JoinGroupAsync(g, "Shoham", "pw");
        await b.ExpectAsync("Hadas: first\nHadas: second\n");
        await a.ExpectAsync("Shoham has joined the group \n");
        await a.SendAsync("live");
        await b.ExpectAsync("Hadas: live\n");
    }

    [Fact]
    public async Task WhoListsTheMembersAndHelpListsTheCommands()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");
        await b.JoinGroupAsync(g, "Shoham", "pw");

        await b.SendAsync("/who");
        await b.ExpectAsync($"Members of group #{g}: Hadas (owner), Shoham\n");
        await b.SendAsync("/help");
        var help = new List<string>();
        for (var i = 0; i < 9; i++) help.Add((await b.ReadLineAsync())!);
        Assert.Contains(help, l => l.Contains("/remove NAME"));
        Assert.Contains(help, l => l.Contains("/password NEW"));
        Assert.Contains(help, l => l.Contains("/owner NAME"));
        Assert.Contains(help, l => l.Contains("/who"));
        Assert.Contains(help, l => l.Contains("/help"));
        Assert.Contains(help, l => l.Contains("Exit or /exit"));

        await b.SendAsync("/exit");
        await b.ExpectAsync("You chose exit so you removed from the group. \n" + Menu);
        await a.ExpectAsync("Shoham has joined the group \nShoham has removed from the group \n");
        await a.SendAsync("/who");
        await a.ExpectAsync($"Members of group #{g}: Hadas (owner)\n");
    }

    [Fact]
    public async Task AnInvalidOrTakenNameGetsAReasonAndTheNamePromptAgain()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");

        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        await b.SendAsync("1");
        await b.ExpectAsync("Enter your name: \n");
        await b.SendAsync(new string('n', 33));
        await b.ExpectAsync("Your name must be at most 32 characters long\nEnter your name: \n");
        await b.SendAsync("  ");
        await b.ExpectAsync("Your name must not be empty\nEnter your name: \n");
        await b.SendAsync("hadas");
        await b.ExpectAsync("Enter group ID: \n");
        await b.SendAsync(g.ToString());
        await b.ExpectAsync("Enter password: \n");
        await b.SendAsync("pw");
        await b.ExpectAsync($"The name \"hadas\" is already taken in group {g}, choose another\nEnter your name: \n");
        await b.SendAsync("Shoham");
        await b.ExpectAsync($"You're connected to group chat #{g}\n");

        await using var c = await TcpChatClient.ConnectToMenuAsync(app);
        await c.SendAsync("2");
        await c.ExpectAsync("Enter your name: \n");
        await c.SendBytesAsync("Bad\u0007name\n"u8.ToArray());
        await c.ExpectAsync("Your name must not contain control characters\nEnter your name: \n");
    }

    [Fact]
    public async Task TooLongTooFastAndThrottledGetPlainNoticesAndTheSessionGoesOn()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");
        await b.JoinGroupAsync(g, "Shoham", "pw");
        await a.ExpectAsync("Shoham has joined the group \n");

        await b.SendAsync(new string('m', 2001));
        await b.ExpectAsync("Your message is too long (2001 characters, at most 2000); it was not sent\n");

        // 30 lines in one packet: the burst of 20 passes, the rest is refused one notice each.
        await b.SendAsync(string.Join("\n", Enumerable.Range(1, 30).Select(i => $"m{i}")));
        await b.WaitForLineAsync(l => l == "You are sending messages too fast; this one was not sent, slow down a little");
        for (var i = 1; i <= 20; i++) await a.ExpectAsync($"Shoham: m{i}\n");

        await using var c = await TcpChatClient.ConnectToMenuAsync(app);
        await c.SendAsync("1");
        await c.ExpectAsync("Enter your name: \n");
        await c.SendAsync("Guesser");
        await c.ExpectAsync("Enter group ID: \n");
        await c.SendAsync(g.ToString());
        await c.ExpectAsync("Enter password: \n");
        for (var i = 0; i < 5; i++)
        {
            await c.SendAsync($"guess{i}");
            await c.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
        }
        await c.SendAsync("pw");
        await c.ExpectAsync("Too many wrong passwords from your address; wait a minute before trying again\nEnter password: \n");
        await c.SendAsync("/who");
        await c.ExpectAsync("Too many wrong passwords from your address; wait a minute before trying again\nEnter password: \n");
    }

    [Fact]
    public async Task AnAbruptDisconnectLeavesAtOnceAndTheOthersAreTold()
    {
        await using var app = new WebChatApplication();
        await using var a = await TcpChatClient.ConnectToMenuAsync(app);
        await using var b = await TcpChatClient.ConnectToMenuAsync(app);
        var g = await a.CreateGroupAsync("Hadas", "pw");
        await b.JoinGroupAsync(g, "Shoham", "pw");
        await a.ExpectAsync("Shoham has joined the group \n");

        b.Abort();
        await a.ExpectAsync("Shoham has removed from the group \n");

        // Closed nicely, mid-dialogue, too.
        await using var c = await TcpChatClient.ConnectToMenuAsync(app);
        await c.JoinGroupAsync(g, "Bar", "pw");
        await a.ExpectAsync("Bar has joined the group \n");
        await c.DisposeAsync();
        await a.ExpectAsync("Bar has removed from the group \n");
        await a.SendAsync("/who");
        await a.ExpectAsync($"Members of group #{g}: Hadas (owner)\n");
    }
}
