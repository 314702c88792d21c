using Microsoft.Playwright;
using WebChat.Tests.Infrastructure;
using WebChat.Tests.Operations;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>
/// The network drops under a page in a group. Playwright proxies the page's WebSockets to the real
/// server, so the test can cut the live socket on both sides (the browser sees an abnormal close, the
/// server a closed connection), and the context goes offline so reconnect attempts fail until it is back.
/// </summary>
public sealed class ReconnectTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ADroppedConnectionReconnectsAndMissesNothing()
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress);
        var network = await FlakyNetwork.AttachAsync(page.Page);
        await page.GotoAsync();   // again, so the hub socket goes through the route

        var groupId = await page.CreateGroupAsync("Yael", "pw");
        await using var friend = await ChatClient.ConnectAsync(app);
        await friend.JoinGroup(groupId, "Omer", "pw");
        await page.SayAsync("one");
        await friend.Send(groupId, "two");
        await page.ExpectMessagesAsync("one", "two");

        await network.DropAsync();
        await Expect(page.Connection).ToHaveTextAsync("Reconnecting…");
        await Expect(page.Send).ToBeDisabledAsync();
        await page.ScreenshotAsync("reconnecting");

        await friend.Send(groupId, "three, while you were gone");
        await friend.Send(groupId, "four, also while you were gone");

        await network.RestoreAsync();
        await Expect(page.Connection).ToHaveTextAsync("Connected", new() { Timeout = 15_000 });
        await page.ExpectMessagesAsync("one", "two", "three, while you were gone", "four, also while you were gone");
        await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync(["Yael", "Omer"]);

        // Still a member on the server: what the page says reaches the friend, who never heard it leave.
        await page.SayAsync("five, back online");
        var heard = await friend.Heard.WaitForAsync(h => h is HeardLeft || (h is HeardMessage m && m.Message.Text.StartsWith("five")));
        Assert.Equal("five, back online", Assert.IsType<HeardMessage>(heard).Message.Text);
        await friend.Send(groupId, "six");
        await page.ExpectMessagesAsync("one", "two", "three, while you were gone", "four, also while you were gone", "five, back online", "six");
    }

    [Fact]
    public async Task APageStaysInItsGroupAcrossARestartOfTheNode()
    {
        var data = Directory.CreateTempSubdirectory("webchat-browser-restart-").FullName;
        try
        {
            var settings = new Dictionary<string, string?> { ["Chat:DataPath"] = data, ["Chat:PasswordHashIterations"] = "1000" };
            await using var first = await NodeProcess.StartBuiltAsync(settings);
            await using var page = await browser.OpenAsync(first.BaseAddress);
            var groupId = await page.CreateGroupAsync("Yael", "pw");
            string token;
            await using (var friend = await ChatClient.ConnectAsync(first.BaseAddress))
            {
                token = (await friend.JoinGroup(groupId, "Omer", "pw")).RejoinToken;
                await page.SayAsync("one");
                await friend.Send(groupId, "two");
                await page.ExpectMessagesAsync("one", "two");

                first.Terminate();
                Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            }
            await Expect(page.Connection).Not.ToHaveTextAsync("Connected");

            // The node starts again on the same address and data folder; the page reconnects by itself and rejoins.
            await using var second = await NodeProcess.StartBuiltAsync(settings, first.HttpPort, first.TcpPort);
            await using var omer = await ChatClient.ConnectAsync(second.BaseAddress);
            await omer.Rejoin(token, 0);
            await omer.Send(groupId, "three, after the restart");
            await Expect(page.Connection).ToHaveTextAsync("Connected", new() { Timeout = 30_000 });
            await page.ExpectMessagesAsync("one", "two", "three, after the restart");
            await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync(["Yael", "Omer"]);

            await page.SayAsync("four, from the same page");
            var heard = await omer.Heard.WaitForAsync(h => h is HeardLeft || (h is HeardMessage m && m.Message.Text.StartsWith("four")));
            Assert.Equal("four, from the same page", Assert.IsType<HeardMessage>(heard).Message.Text);
            await page.ScreenshotAsync("after-restart");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task AfterTheGracePeriodThePageSaysSoAndReturnsToTheLobby()
    {
        var clock = new FakeClock();
        await using var app = new WebChatApplication(services: clock.Install);
        await using var page = await browser.OpenAsync(app.BaseAddress);
        var groupId = await page.CreateGroupAsync("Lior", "pw");
        await using var friend = await ChatClient.ConnectAsync(app);
        await friend.JoinGroup(groupId, "Maya", "pw");

        await page.Page.GotoAsync("about:blank");
        var grace = TimeSpan.FromSeconds(30);
        await clock.WaitUntilArmedAsync(grace);
        clock.Advance(grace);
        await friend.Heard.WaitForAsync(h => h is HeardLeft { UserName: "Lior" });
        await page.GotoAsync();

        await Expect(page.Page.Locator("#lobby-notice")).ToHaveTextAsync(
            $"You were away too long and left group #{groupId}. Join it again with its password.");
        await Expect(page.Password).ToBeFocusedAsync();
        await Expect(page.Page.GetByText($"group chat #{groupId}")).ToHaveCountAsync(0);
        await Expect(page.Page.Locator("#room")).ToBeHiddenAsync();
        await Expect(page.YourName).ToHaveValueAsync("Lior");
        await Expect(page.GroupId).ToHaveValueAsync(groupId.ToString());
        Assert.Equal("{}", await page.Page.EvaluateAsync<string>("JSON.stringify(sessionStorage)"));
        await page.ScreenshotAsync("rejoin-expired");
    }

    private sealed class FlakyNetwork
    {
        private readonly IPage _page;
        private readonly List<(IWebSocketRoute Page, IWebSocketRoute Server)> _open = [];
        private volatile bool _down;

        private FlakyNetwork(IPage page) => _page = page;

        public static async Task<FlakyNetwork> AttachAsync(IPage page)
        {
            var network = new FlakyNetwork(page);
            await page.RouteWebSocketAsync("**/hubs/chat**", ws =>
            {
                if (network._down) { _ = ws.CloseAsync(new() { Code = 1011, Reason = "network down" }); return; }
                lock (network._open) network._open.Add((ws, ws.ConnectToServer()));
            });
            return network;
        }

        public async Task DropAsync()
        {
            _down = true;
            await _page.Context.SetOfflineAsync(true);
            List<(IWebSocketRoute Page, IWebSocketRoute Server)> open;
            lock (_open) { open = [.. _open]; _open.Clear(); }
            foreach (var (pageSide, serverSide) in open)
            {
                await serverSide.CloseAsync();
                await pageSide.CloseAsync(new() { Code = 1011, Reason = "network down" });
            }
        }

        public async Task RestoreAsync()
        {
            _down = false;
            await _page.Context.SetOfflineAsync(false);
        }
    }
}
