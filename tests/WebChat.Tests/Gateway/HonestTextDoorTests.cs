using System.Text;
using Microsoft.AspNetCore.SignalR;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>
/// Honest text through both doors: a text with terminal controls reaches the other door and every later
/// joiner's history cleaned; look-alike and hidden names are refused on the hub and on TCP alike.
/// </summary>
public class HonestTextDoorTests
{
    private static readonly Dictionary<string, string?> ManyGroups = new()
    {
        ["Chat:Limits:JoinsPerMinute"] = "100000",
        ["Chat:Limits:GroupsPerAddress"] = "100000",
        ["Chat:Limits:GroupsPerConnection"] = "100000",
    };

    // ESC sequences (clear screen, cursor home, OSC 52 clipboard write, RIS reset), BS, VT, BEL, C1 controls (CSI,
    // DCS, ST, NEL), DEL and NUL; TAB and line breaks (CR, CRLF) are what may stay.
    private const string NastyFromHub =
        "a\u001b[2J\u001b[Hb\bc\u000bd\u001b]52;c;ZXZpbA==\u0007e\u001bcf\u009b31mg\u0090x\u009ch\u007fi\tj\rk\r\nl\u0085m\0n";
    private const string CleanFromHub = "a[2J[Hbcd]52;c;ZXZpbA==ecf31mgxhi\tj\nk\nlmn";
    private const string TcpLineFromHub = "a[2J[Hbcd]52;c;ZXZpbA==ecf31mgxhi\tj k lmn";

    // The same without LF, which ends a line on TCP.
    private const string NastyFromTcp =
        "a\u001b[2J\u001b[Hb\bc\u000bd\u001b]52;c;ZXZpbA==\u0007e\u001bcf\u009b31mg\u0090x\u009ch\u007fi\tj\rk\u0085l\0m";
    private const string CleanFromTcp = "a[2J[Hbcd]52;c;ZXZpbA==ecf31mgxhi\tj\nklm";
    private const string TcpLineFromTcp = "a[2J[Hbcd]52;c;ZXZpbA==ecf31mgxhi\tj klm";

    [Fact]
    public async Task AHubTextWithTerminalControlsReachesTcpAndEveryHistoryCleaned()
    {
        await using var app = new WebChatApplication();
        await using var hub = await ChatClient.ConnectAsync(app);
        await using var hub2 = await ChatClient.ConnectAsync(app);
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);
        var g = (await hub.CreateGroup("Hadas", "pw")).GroupId;
        await hub2.JoinGroup(g, "Bar", "pw");
        await tcp.JoinGroupAsync(g, "Shoham", "pw");

        var stored = await hub.Send(g, NastyFromHub);
        Assert.Equal(CleanFromHub, stored!.Text);
        Assert.Equal(CleanFromHub, (await hub2.NextMessageAsync()).Text);
        var line = await tcp.WaitForLineAsync(l => l.StartsWith("Hadas: "));
        Assert.Equal("Hadas: " + TcpLineFromHub, line);
        AssertHarmless(line);

        // Nothing left but controls and blanks: ignored, nothing stored or sent.
        Assert.Null(await hub.Send(g, "\u001b\u0007\u007f \r\n\u009b"));
        await hub.Send(g, "marker");
        await tcp.ExpectAsync("Hadas: marker\n");

        await using var later = await ChatClient.ConnectAsync(app);
        var joined = await later.JoinGroup(g, "Later", "pw");
        Assert.Equal([CleanFromHub, "marker"], joined.History.Select(m => m.Text));

        await using var laterTcp = await TcpChatClient.ConnectToMenuAsync(app);
        await laterTcp.JoinGroupAsync(g, "LaterTcp", "pw");
        await laterTcp.ExpectAsync($"Hadas: {TcpLineFromHub}\nHadas: marker\n");
    }

    [Fact]
    public async Task ATcpLineWithTerminalControlsReachesTheHubTcpAndEveryHistoryCleaned()
    {
        await using var app = new WebChatApplication();
        await using var hub = await ChatClient.ConnectAsync(app);
        await using var sender = await TcpChatClient.ConnectToMenuAsync(app);
        await using var other = await TcpChatClient.ConnectToMenuAsync(app);
        var g = (await hub.CreateGroup("Hadas", "pw")).GroupId;
        await sender.JoinGroupAsync(g, "Shoham", "pw");
        await other.JoinGroupAsync(g, "Bar", "pw");
        await sender.ExpectAsync("Bar has joined the group \n");

        await sender.SendBytesAsync(Encoding.UTF8.GetBytes(NastyFromTcp + "\n"));
        Assert.Equal(CleanFromTcp, (await hub.NextMessageAsync()).Text);
        var line = await other.ReadLineAsync();
        Assert.Equal("Shoham: " + TcpLineFromTcp, line);
        AssertHarmless(line!);

        await sender.SendBytesAsync("\u001b\u0007\u007f\u009b\r\nmarker\n"u8.ToArray());
        Assert.Equal("marker", (await hub.NextMessageAsync()).Text);
        await other.ExpectAsync("Shoham: marker\n");

        await using var later = await ChatClient.ConnectAsync(app);
        var joined = await later.JoinGroup(g, "Later", "pw");
        Assert.Equal([CleanFromTcp, "marker"], joined.History.Select(m => m.Text));

        await using var laterTcp = await TcpChatClient.ConnectToMenuAsync(app);
        await laterTcp.JoinGroupAsync(g, "LaterTcp", "pw");
        await laterTcp.ExpectAsync($"Shoham: {TcpLineFromTcp}\nShoham: marker\n");
    }

    public static readonly string[] BadNames =
    [
        "Alice\u200B", "Alice\u00AD", "Al\u200Dice", "\u202Eecila", "Alice\u2066", "\u200Falice", "Ali\u061Cce",
        "\u3164", "Alice\u3164", "\uFFA0", "\u115FBob", "Alice\uFE0F", "Ali\uE000ce", "Alice\u0378",
        "\u0410lice", "Alic\u0435", "B\u03BFb", "\u0396eus", "Алиса Ζωή", "Al\u0085ice", "Al\u001b[31mice",
    ];

    /// <summary>Sent, and what the name becomes.</summary>
    public static readonly (string Sent, string Name)[] GoodNames =
    [
        ("Hadas", "Hadas"), ("הדס", "הדס"), ("Hadas הדס", "Hadas הדס"), ("Алиса", "Алиса"), ("Ζωή", "Ζωή"), ("李雷", "李雷"),
        ("ليلى", "ليلى"), ("Yuki さくら 桜", "Yuki さくら 桜"), ("김민준", "김민준"), ("\uFF28\uFF41\uFF44\uFF41\uFF53", "Hadas"),
        ("A\u0301lice", "\u00C1lice"),
    ];

    [Fact]
    public async Task OnTheHubLookAlikeNamesAreRefusedGoodNamesAcceptedAndNormalizedNamesTaken()
    {
        await using var app = new WebChatApplication(ManyGroups);
        await using var a = await ChatClient.ConnectAsync(app);
        await using var b = await ChatClient.ConnectAsync(app);
        var g = (await a.CreateGroup("Alice", "pw")).GroupId;

        foreach (var name in BadNames)
        {
            var created = Reason(await Assert.ThrowsAsync<HubException>(() => b.CreateGroup(name, "pw")));
            Assert.True(created.StartsWith("Your name "), $"{Hex(name)}: {created}");
            Assert.Equal(created, Reason(await Assert.ThrowsAsync<HubException>(() => b.JoinGroup(g, name, "pw"))));
        }

        foreach (var (sent, name) in GoodNames)
        {
            var created = await b.CreateGroup(sent, "pw");
            Assert.Equal(name, created.UserName);
            Assert.Equal([name], created.Members);
            await b.LeaveGroup(created.GroupId);
        }

        // Taken: the same name in another case, width or composition.
        foreach (var (name, shown) in new[] { ("alice", "alice"), ("ALICE", "ALICE"), ("\uFF21lice", "Alice"), ("\uFF41LICE", "aLICE") })
            Assert.StartsWith($"The name \"{shown}\" is already taken in group {g}",
                Reason(await Assert.ThrowsAsync<HubException>(() => b.JoinGroup(g, name, "pw"))));
        Assert.Equal("\u00C1lice", (await b.JoinGroup(g, "\u00C1lice", "pw")).UserName);
        await using var c = await ChatClient.ConnectAsync(app);
        Assert.StartsWith($"The name \"\u00E1LICE\" is already taken in group {g}",
            Reason(await Assert.ThrowsAsync<HubException>(() => c.JoinGroup(g, "a\u0301LICE", "pw"))));
        var hadas = await c.JoinGroup(g, "\uFF28\uFF41\uFF44\uFF41\uFF53", "pw");
        Assert.Equal(["Alice", "\u00C1lice", "Hadas"], hadas.Members);
        Assert.Equal(new HeardJoined(g, "Hadas"), await a.Heard.WaitForAsync(h => h is HeardJoined { UserName: "Hadas" }));
    }

    [Fact]
    public async Task OnTcpLookAlikeNamesGetTheReasonAndTheNamePromptGoodNamesAreAcceptedAndNormalizedNamesTaken()
    {
        await using var app = new WebChatApplication(ManyGroups);
        await using var hub = await ChatClient.ConnectAsync(app);
        var g = (await hub.CreateGroup("Alice", "pw")).GroupId;
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(app);

        await tcp.SendAsync("2");
        await tcp.ExpectAsync("Enter your name: \n");
        foreach (var name in BadNames)
        {
            await tcp.SendBytesAsync(Encoding.UTF8.GetBytes(name + "\n"));
            var reason = await tcp.ReadLineAsync();
            Assert.True(reason?.StartsWith("Your name ") == true, $"{Hex(name)}: {reason}");
            Assert.DoesNotContain(reason!, c => c < ' ' || c > '~'); // the reason never echoes the character itself
            await tcp.ExpectAsync("Enter your name: \n");
        }
        await tcp.SendAsync("Shoham");
        await tcp.ExpectAsync("Enter password for the group: \n");
        await tcp.SendAsync("pw");
        await tcp.WaitForLineAsync(l => l == "You can start to talk!");
        await tcp.ExitGroupAsync();

        foreach (var (sent, name) in GoodNames)
        {
            var mine = await tcp.CreateGroupAsync(sent, "pw");
            await tcp.SendAsync("/who");
            await tcp.ExpectAsync($"Members of group #{mine}: {name} (owner)\n");
            await tcp.ExitGroupAsync();
        }

        // Taken: refused after the password, with the reason and the name prompt again.
        await tcp.StartJoinAsync(g, "\uFF21lice");
        await tcp.SendAsync("pw");
        await tcp.ExpectAsync($"The name \"Alice\" is already taken in group {g}, choose another\nEnter your name: \n");
        await tcp.SendAsync("aLiCe");
        await tcp.ExpectAsync($"The name \"aLiCe\" is already taken in group {g}, choose another\nEnter your name: \n");
        await tcp.SendAsync("Alic\u0435");
        Assert.StartsWith("Your name mixes Latin letters with Cyrillic ones", await tcp.ReadLineAsync());
        await tcp.ExpectAsync("Enter your name: \n");
        await tcp.SendAsync("\uFF28\uFF41\uFF44\uFF41\uFF53");
        await tcp.ExpectAsync($"You're connected to group chat #{g}\n");
        Assert.Equal(new HeardJoined(g, "Hadas"), await hub.Heard.WaitForAsync(h => h is HeardJoined));
        await hub.Send(g, "hi");
        await tcp.ExpectAsync("Alice: hi\n");
    }

    /// <summary>The core's plain words in a hub refusal, without the client's prefix.</summary>
    private static string Reason(HubException e) =>
        e.Message.IndexOf("HubException: ", StringComparison.Ordinal) is var i and >= 0 ? e.Message[(i + 14)..] : e.Message;

    private static string Hex(string s) => string.Join(" ", s.Select(c => $"{(int)c:X4}"));

    /// <summary>A TCP line may hold TAB but no other control character (C0, DEL, C1) and no Unicode line separator.</summary>
    private static void AssertHarmless(string line) =>
        Assert.DoesNotContain(line, c => (c < ' ' && c != '\t') || c is >= '\u007f' and <= '\u009f' or '\u2028' or '\u2029');
}
