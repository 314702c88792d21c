using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>A browser user and a raw-socket user of the TCP gateway in one group (docs/protocol.md: the TCP door and the page).</summary>
public sealed class TerminalUserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ATerminalUserJoinsTheBrowsersGroupAndTheyTalkBothWays()
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress);
        var groupId = await page.CreateGroupAsync("Hadas", "12345");
        await page.SayAsync("Said before Shoham came");

        await using var terminal = await TcpChatClient.ConnectToMenuAsync(app);
        await terminal.JoinGroupAsync(groupId, "Shoham", "12345");
        await terminal.ExpectAsync("Hadas: Said before Shoham came\n");

        await Expect(page.Notices.Last).ToHaveTextAsync("Shoham joined the group");
        await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync(["Hadas", "Shoham"]);

        await page.SayAsync("Hello Shoham, from the browser");
        await terminal.ExpectAsync("Hadas: Hello Shoham, from the browser\n");

        await terminal.SendAsync("Hello Hadas!!!!");
        await page.ExpectMessagesAsync("Said before Shoham came", "Hello Shoham, from the browser", "Hello Hadas!!!!");
        await Expect(page.MessageWith("Hello Hadas!!!!").Locator(".sender")).ToHaveTextAsync("Shoham");
        await page.ScreenshotAsync("with-terminal-user");

        await terminal.SendAsync("Exit");
        await terminal.ExpectAsync("You chose exit so you removed from the group. \n" + TcpChatClient.Menu);
        await Expect(page.Notices.Last).ToHaveTextAsync("Shoham left the group");
        await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync(["Hadas"]);
    }

    [Fact]
    public async Task ABrowserUserJoinsAGroupATerminalUserCreated()
    {
        await using var app = new WebChatApplication();
        await using var terminal = await TcpChatClient.ConnectToMenuAsync(app);
        var groupId = await terminal.CreateGroupAsync("Shoham", "pass word");

        await using var page = await browser.OpenAsync(app.BaseAddress);
        await Expect(page.Page.Locator("#open-groups")).ToContainTextAsync($"Group #{groupId}");
        await page.JoinGroupAsync(groupId, "Hadas", "pass word");
        await terminal.ExpectAsync("Hadas has joined the group \n");

        await terminal.SendAsync("Welcome!");
        await page.ExpectMessagesAsync("Welcome!");
        await page.SayAsync("Thanks");
        await terminal.ExpectAsync("Hadas: Thanks\n");
    }
}
