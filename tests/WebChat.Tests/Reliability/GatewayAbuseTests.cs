using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.SignalR;
using WebChat.Gateway;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Reliability;

/// <summary>
/// Hostile TCP traffic (random bytes, huge lines, slowloris, half-open sockets, a thousand silent
/// connections, password guessing, floods) while well-behaved members keep talking. The server answers
/// or refuses each in plain words, logs what it refused, and nobody well-behaved notices.
/// </summary>
[Collection(nameof(ServerLogCollection))]
public class GatewayAbuseTests
{
    private const string Menu = TcpChatClient.Menu;

    [Fact]
    public async Task RandomBytesHugeLinesAndHalfOpenSocketsNeverStopTheServerOrItsMembers()
    {
        await using var app = new LoggedApplication();
        var port = TcpChatClient.PortOf(app);
        await using var good = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await good.CreateGroup("Good", "pw")).GroupId;
        await using var friend = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
        await friend.JoinGroupAsync(g, "Friend", "pw");

        // 30 connections of random bytes (64 KiB each, in random chunks), 4 lines of 2 MiB, 20 half-open sockets.
        var fuzz = Enumerable.Range(0, 30).Select(async i =>
        {
            var random = new Random(i);
            await using var peer = await TcpChatClient.ConnectAsync(port);
            var bytes = new byte[64 * 1024];
            random.NextBytes(bytes);
            for (var sent = 0; sent < bytes.Length;)
            {
                var n = Math.Min(random.Next(1, 4096), bytes.Length - sent);
                await peer.SendBytesAsync(bytes.AsMemory(sent, n));
                sent += n;
            }
        });
        var huge = Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var peer = await TcpChatClient.ConnectToMenuAsync(port);
            await peer.SendBytesAsync(Encoding.ASCII.GetBytes(new string('A', 2 * 1024 * 1024) + "\n"));
            await peer.ExpectAsync("Your line was too long (over 8 KiB); it was discarded\n" + Menu);
            await peer.SendAsync("3");
            await peer.ExpectAsync("Exit the chat \n");
            Assert.Empty(await peer.ReadUntilClosedAsync());
        });
        var halfOpen = Enumerable.Range(0, 20).Select(async i =>
        {
            await using var peer = await TcpChatClient.ConnectToMenuAsync(port);
            await peer.SendBytesAsync(Encoding.ASCII.GetBytes($"1\nHalf{i}"));
            peer.Socket.Shutdown(SocketShutdown.Send); // FIN: we still read, the server sees the end of input
            Assert.Equal(["Enter your name: ", "Enter group ID: "], await peer.ReadUntilClosedAsync());
        });
        var chatting = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await good.Send(g, $"from good {i}");
                await friend.ExpectAsync($"Good: from good {i}\n");
                await friend.SendAsync($"from friend {i}");
                await good.WaitForMessageAsync(m => m.Text == $"from friend {i}");
            }
        });
        await Task.WhenAll([.. fuzz, .. huge, .. halfOpen, chatting]).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"from friend {i}"), good.Received.Select(m => m.Text));
        await using var late = await TcpChatClient.ConnectToMenuAsync(port);
        await late.JoinGroupAsync(g, "Late", "pw");
        await app.Log.WaitForAsync("Line refused", count: 4);
        Assert.DoesNotContain(app.Log.Lines(), l => l.StartsWith("ERR") || l.StartsWith("FTL"));
    }

    [Fact]
    public async Task SlowlorisSendersAreAnsweredLineByLineAndDelayNoOne()
    {
        await using var app = new WebChatApplication();
        var port = TcpChatClient.PortOf(app);
        await using var good = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await good.CreateGroup("Good", "pw")).GroupId;
        await using var friend = await TcpChatClient.ConnectToMenuAsync(port);
        await friend.JoinGroupAsync(g, "Friend", "pw");

        // 50 senders of a byte a second for 3 s: each byte is a line after the 150 ms pause, so nobody holds a partial line.
        var slow = Enumerable.Range(0, 50).Select(async _ =>
        {
            await using var peer = await TcpChatClient.ConnectToMenuAsync(port);
            foreach (var b in "xy3"u8.ToArray())
            {
                await peer.SendBytesAsync(new[] { b });
                if (b == '3') await peer.ExpectAsync("Exit the chat \n");
                else await peer.ExpectAsync("You chose an invalid option... \n" + Menu);
                await Task.Delay(TimeSpan.FromSeconds(1)); // the attack itself: one byte a second
            }
            Assert.Empty(await peer.ReadUntilClosedAsync());
        }).ToList();

        var slowest = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        for (var i = 0; !slow.All(t => t.IsCompleted); i++)
        {
            var started = clock.Elapsed;
            await friend.SendAsync($"ping {i}");
            await good.WaitForMessageAsync(m => m.Text == $"ping {i}");
            if (clock.Elapsed - started > slowest) slowest = clock.Elapsed - started;
            await Task.Delay(100);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the slow senders never finished");
        }
        await Task.WhenAll(slow);
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"a message took {slowest.TotalMilliseconds:F0} ms during the slowloris");
    }

    [Fact]
    public async Task AThousandSilentConnectionsMeetThePerAddressLimitThenTheIdleTimeout()
    {
        var clock = new FakeClock();
        await using var app = new LoggedApplication(new Dictionary<string, string?> { ["Chat:Gateway:MenuIdleSeconds"] = "2" }, clock.Install);
        var port = TcpChatClient.PortOf(app);

        var silent = await ConnectManyAsync(port, 1000);
        try
        {
            var first = await Task.WhenAll(silent.Select(p => p.ReadLineAsync()));
            Assert.Equal(100, first.Count(l => l == "Hello client, please choose an option: "));
            Assert.Equal(900, first.Count(l => l == "Too many connections from your address (at most 100 at once); this one is closed"));

            // Another address is not affected: it joins and talks while 127.0.0.1 is full.
            await using var hub = await HubPeer.ConnectAsync(HubPeer.Port(app));
            var g = (await hub.CreateGroup("Hub", "pw")).GroupId;
            await using var other = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
            await other.JoinGroupAsync(g, "Other", "pw");
            await other.SendAsync("still served");
            await hub.WaitForMessageAsync(m => m.Text == "still served");

            // The refused are closed at once; the accepted ones when idle for 2 s, with a word why.
            await clock.WaitUntilArmedAsync(TimeSpan.FromSeconds(2), 100);
            clock.Advance(TimeSpan.FromSeconds(2));
            var rest = await Task.WhenAll(silent.Select(p => p.ReadUntilClosedAsync(TimeSpan.FromSeconds(15))));
            var accepted = rest.Where(r => r.Count > 0).ToList();
            Assert.Equal(100, accepted.Count);
            Assert.All(accepted, r => Assert.Equal("You were idle in the menu for 2 seconds; closing the connection", r[^1]));
            await app.Log.WaitForAsync("Connection refused: tcp from 127.0.0.1 already has 100 connections", 900);
            await app.Log.WaitForAsync("Closing a connection idle in the menu for 2 s", 100);

            // Every slot came back.
            await using var again = await TcpChatClient.ConnectToMenuAsync(port);
        }
        finally
        {
            foreach (var p in silent) await p.DisposeAsync();
        }
    }

    [Fact]
    public async Task WithTheLimitRaisedAThousandSilentConnectionsAreHeldThenClosedWhenIdle()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Gateway:MaxConnectionsPerAddress"] = "1100",
            ["Chat:Gateway:MenuIdleSeconds"] = "2",
        }, clock.Install);
        var port = TcpChatClient.PortOf(app);
        var silent = await ConnectManyAsync(port, 1000);
        try
        {
            var first = await Task.WhenAll(silent.Select(p => p.ReadLineAsync()));
            Assert.All(first, l => Assert.Equal("Hello client, please choose an option: ", l));
            Assert.Equal(1000, app.Get<GatewaySessions>().Count);
            await clock.WaitUntilArmedAsync(TimeSpan.FromSeconds(2), 1000);
            clock.Advance(TimeSpan.FromSeconds(2));
            var rest = await Task.WhenAll(silent.Select(p => p.ReadUntilClosedAsync(TimeSpan.FromSeconds(15))));
            Assert.All(rest, r => Assert.Equal("You were idle in the menu for 2 seconds; closing the connection", r[^1]));
            Assert.Equal(0, app.Get<GatewaySessions>().Count);
        }
        finally
        {
            foreach (var p in silent) await p.DisposeAsync();
        }
    }

    [Fact]
    public async Task PasswordGuessingFromOneAddressIsThrottledAndTheOwnersFriendsFromOtherAddressesGetIn()
    {
        await using var app = new LoggedApplication();
        var port = TcpChatClient.PortOf(app);
        const string password = "owner-secret-2f9c";
        await using var owner = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.2");
        var g = await owner.CreateGroupAsync("Owner", password);

        await using var guesser = await TcpChatClient.ConnectToMenuAsync(port);
        await guesser.StartJoinAsync(g, "Guesser");
        for (var i = 0; i < 5; i++)
        {
            await guesser.SendAsync($"guess-7e1d-{i}");
            await guesser.ExpectAsync("There is no group password like this,try again\nEnter password: \n");
        }
        const string throttled = "Too many wrong passwords from your address; wait a minute before trying again";
        await guesser.SendAsync("guess-7e1d-5");
        await guesser.ExpectAsync(throttled + "\nEnter password: \n");
        await guesser.SendAsync(password); // even the right one, from this address, for now
        await guesser.ExpectAsync(throttled + "\nEnter password: \n");

        // More connections from the same address change nothing: the allowance is the address's.
        var more = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            await using var peer = await TcpChatClient.ConnectToMenuAsync(port);
            await peer.StartJoinAsync(g, $"More{i}");
            await peer.SendAsync($"guess-7e1d-more-{i}");
            return await peer.ReadLineAsync();
        }));
        Assert.All(more, l => Assert.Equal(throttled, l));

        // The owner's friends, from other addresses, over both doors, get in with the right password.
        await using var friend = await TcpChatClient.ConnectToMenuAsync(port, from: "127.0.0.3");
        await friend.JoinGroupAsync(g, "Friend", password);
        await owner.ExpectAsync("Friend has joined the group \n");
        await using var proxy = new FaultProxy(HubPeer.Port(app), IPAddress.Parse("127.0.0.4"));
        await using var hubFriend = await HubPeer.ConnectAsync(proxy.Port);
        Assert.Equal(g, (await hubFriend.JoinGroup(g, "HubFriend", password)).GroupId);
        await owner.ExpectAsync("HubFriend has joined the group \n");

        // Twelve throttled attempts make one run of refusals: logged once, not once per attempt.
        await app.Log.WaitForAsync($"Join refused: too many wrong passwords from 127.0.0.1", 1);
        Assert.Equal(1, app.Log.Count("Join refused: too many wrong passwords from 127.0.0.1"));
        Assert.Equal(5, app.Log.Count($"Wrong password for group {g} from 127.0.0.1"));
        Assert.DoesNotContain(app.Log.Lines(), l => l.Contains("guess-7e1d") || l.Contains(password));
    }

    [Fact]
    public async Task MessageFloodsOnBothDoorsAreRefusedWithANoticeAndTheConnectionsStay()
    {
        await using var app = new LoggedApplication();
        var port = TcpChatClient.PortOf(app);
        await using var observer = await HubPeer.ConnectAsync(HubPeer.Port(app));
        var g = (await observer.CreateGroup("Observer", "pw")).GroupId;
        await using var tcp = await TcpChatClient.ConnectToMenuAsync(port);
        await tcp.JoinGroupAsync(g, "TcpFlood", "pw");
        await using var hub = await HubPeer.ConnectAsync(HubPeer.Port(app));
        await hub.JoinGroup(g, "HubFlood", "pw");
        await observer.Heard.TakeAsync(2);

        // 100 lines in one write, and 100 hub calls at once.
        await tcp.SendBytesAsync(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 100).Select(i => $"tcp {i}\n")) + "/who\n"));
        var calls = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            try { return (await hub.Send(g, $"hub {i}")) is not null; }
            catch (HubException e) when (e.Message.Contains("too fast")) { return false; }
        }));
        var tcpLines = new List<string>();
        while (await tcp.ReadLineAsync() is { } line && !line.StartsWith("Members of group")) tcpLines.Add(line);

        const string notice = "You are sending messages too fast; this one was not sent, slow down a little";
        var tcpRefused = tcpLines.Count(l => l == notice);
        var hubRefused = calls.Count(ok => !ok);
        Assert.InRange(100 - tcpRefused, 20, 99); // the burst of 20, plus what refilled (10 a second) meanwhile
        Assert.InRange(100 - hubRefused, 20, 99);
        await observer.WaitForMessagesAsync(200 - tcpRefused - hubRefused);
        var heard = observer.Received;
        Assert.Equal(100 - tcpRefused, heard.Count(m => m.Sender == "TcpFlood"));
        Assert.Equal(100 - hubRefused, heard.Count(m => m.Sender == "HubFlood"));
        var tcpNumbers = heard.Where(m => m.Sender == "TcpFlood").Select(m => int.Parse(m.Text[4..])).ToList();
        Assert.Equal(tcpNumbers.Order(), tcpNumbers);

        // Both connections stay: once the bucket refills (10 a second), each gets a message through.
        await Task.Delay(300);
        await tcp.SendAsync("tcp after the flood");
        await observer.WaitForMessageAsync(m => m.Text == "tcp after the flood");
        Assert.Equal("hub after the flood", (await hub.Send(g, "hub after the flood"))!.Text);
        // Each run of refusals is logged once, not each refused message: a flood does not flood the log.
        await app.Log.WaitForAsync("Message refused: TcpFlood");
        await app.Log.WaitForAsync("Message refused: HubFlood");
        Assert.InRange(app.Log.Count("Message refused: TcpFlood"), 1, Math.Min(10, tcpRefused));
        Assert.InRange(app.Log.Count("Message refused: HubFlood"), 1, Math.Min(10, hubRefused));
    }

    private static async Task<List<TcpChatClient>> ConnectManyAsync(int port, int count)
    {
        var peers = new List<TcpChatClient>(count);
        for (var i = 0; i < count; i += 100)
            peers.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count - i)).Select(_ => TcpChatClient.ConnectAsync(port))));
        return peers;
    }
}
