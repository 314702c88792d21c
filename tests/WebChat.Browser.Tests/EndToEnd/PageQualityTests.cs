using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WebChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>The page's manners: one submit per Enter, no axe violation in any state, a quiet history replay, the title.</summary>
public sealed class PageQualityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    // Counts the lobby form's submits and the hub invocations the page sends (SignalR's JSON frames name their target).
    private const string CountSubmitsAndInvocations = """
        window.submits = 0;
        window.invocations = [];
        document.addEventListener("submit", () => window.submits++, true);
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
            if (typeof data === "string")
                for (const frame of data.split("\x1e")) {
                    const target = frame.match(/"target":"([A-Za-z]+)"/);
                    if (target) window.invocations.push(target[1]);
                }
            return send.call(this, data);
        };
        """;

    [Fact]
    public async Task EachEnterSubmitsTheLobbyFormOnceHoweverManyErrorsCameBefore()
    {
        await using var app = new WebChatApplication();
        await using var owner = await ChatClient.ConnectAsync(app);
        var group = await owner.CreateGroup("Owner", "right one");
        await using var page = await browser.OpenAsync(app.BaseAddress, initScript: CountSubmitsAndInvocations);

        // Six invalid submits by Enter, each answered by the form's own check.
        for (var i = 1; i <= 6; i++)
        {
            await page.YourName.PressAsync("Enter");
            await Expect(page.EntryError).ToHaveTextAsync("Enter your name first.");
            Assert.Equal(i, await page.Page.EvaluateAsync<int>("window.submits"));
        }

        // Then one Enter with a wrong password: one submit, one JoinGroup, one refusal shown.
        await page.FillJoinAsync(group.GroupId, "Guest", "wrong one");
        await page.Page.EvaluateAsync("window.invocations = []");
        await page.Password.PressAsync("Enter");
        await Expect(page.EntryError).ToHaveTextAsync($"Wrong password for group {group.GroupId}");
        Assert.Equal(7, await page.Page.EvaluateAsync<int>("window.submits"));
        Assert.Equal(["JoinGroup"], (await page.Page.EvaluateAsync<string[]>("window.invocations")).Where(t => t != "ListGroups"));
        Assert.Empty(page.Errors);
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task NoAxeViolationInTheLobbyTheLobbyWithAnErrorAndTheRoom(int width, int height)
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress, width, height);
        await Axe.AssertCleanAsync(page, $"lobby-empty-{width}");

        await using var other = await ChatClient.ConnectAsync(app);
        var group = await other.CreateGroup("Noa", "pw");
        await page.Page.ReloadAsync();
        await Expect(page.Connection).ToHaveTextAsync("Connected");
        await Expect(page.Page.Locator("#open-groups > li")).ToHaveCountAsync(1);
        await Axe.AssertCleanAsync(page, $"lobby-{width}");

        await page.FillJoinAsync(group.GroupId, "Dana", "wrong");
        await page.JoinGroup.ClickAsync();
        await Expect(page.EntryError).ToHaveTextAsync($"Wrong password for group {group.GroupId}");
        await Axe.AssertCleanAsync(page, $"lobby-error-{width}");

        await page.Password.FillAsync("pw");
        await page.JoinGroup.ClickAsync();
        await page.InGroupAsync();
        await Axe.AssertCleanAsync(page, $"room-empty-{width}");

        await page.SayAsync("Hello Noa! My own message, with its time in white on the accent colour");
        await other.Send(group.GroupId, "Hi Dana, a message of someone else");
        await other.Send(group.GroupId, "שלום דנה!!!! מה נשמע?");
        await using var third = await ChatClient.ConnectAsync(app);
        await third.JoinGroup(group.GroupId, "שוהם", "pw");
        await third.LeaveGroup(group.GroupId);
        await Expect(page.Notices).ToHaveTextAsync(["שוהם joined the group", "שוהם left the group"]);
        await page.ExpectMessagesAsync("Hello Noa! My own message, with its time in white on the accent colour", "Hi Dana, a message of someone else", "שלום דנה!!!! מה נשמע?");
        await page.Button("Copy ID").ClickAsync();
        await Expect(page.Page.Locator("#copy-status")).ToHaveTextAsync("ID copied");
        await Axe.AssertCleanAsync(page, $"room-messages-{width}");
        await page.ScreenshotAsync($"room-axe-{width}");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task TheLogIsBusyWhileTheHistoryReplays()
    {
        // Records, for every message row the script inserts, whether the log was aria-busy at that moment.
        const string recordInserts = """
            window.inserts = [];
            const insertBefore = Element.prototype.insertBefore;
            Element.prototype.insertBefore = function (node, before) {
                if (this.id === "messages" && node.classList?.contains("message"))
                    window.inserts.push(document.querySelector("[role=log]").getAttribute("aria-busy"));
                return insertBefore.call(this, node, before);
            };
            """;
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress, initScript: recordInserts);
        var groupId = await page.CreateGroupAsync("Dana", "pw");
        await using var friend = await ChatClient.ConnectAsync(app);
        await friend.JoinGroup(groupId, "Noa", "pw");
        for (var i = 1; i <= 3; i++) await friend.Send(groupId, $"history {i}");
        await page.ExpectMessagesAsync("history 1", "history 2", "history 3");

        await page.Page.ReloadAsync();
        await page.ExpectMessagesAsync("history 1", "history 2", "history 3");
        await Expect(page.Log).ToHaveAttributeAsync("aria-busy", "false");
        Assert.Equal(["true", "true", "true"], await page.Page.EvaluateAsync<string[]>("window.inserts"));

        // A live message is announced as usual.
        await friend.Send(groupId, "live");
        await page.ExpectMessagesAsync("history 1", "history 2", "history 3", "live");
        Assert.Equal(["true", "true", "true", "false"], await page.Page.EvaluateAsync<string[]>("window.inserts"));
    }

    [Fact]
    public async Task AHiddenTabCountsUnreadMessagesInItsTitleAndNotifiesOnlyOnceTurnedOn()
    {
        // The tab's visibility and the Notification API as the test drives them (headless Chromium has neither a
        // hidden tab nor a desktop); the page's code is the real one.
        const string fakeVisibilityAndNotifications = """
            let hidden = false;
            Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: () => hidden });
            Object.defineProperty(Document.prototype, "visibilityState", { configurable: true, get: () => hidden ? "hidden" : "visible" });
            window.setHidden = h => { hidden = h; document.dispatchEvent(new Event("visibilitychange")); };
            window.asked = 0;
            window.shown = [];
            window.Notification = class {
                static permission = "default";
                static async requestPermission() { window.asked++; return this.permission = "granted"; }
                constructor(title, options) { window.shown.push(title + " | " + options.body); }
                addEventListener() {}
                close() {}
            };
            """;
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress, initScript: fakeVisibilityAndNotifications);
        var groupId = await page.CreateGroupAsync("Dana", "pw");
        await using var friend = await ChatClient.ConnectAsync(app);
        await friend.JoinGroup(groupId, "Noa", "pw");
        await Expect(page.Page).ToHaveTitleAsync($"group chat #{groupId} - WebChat");
        var notify = page.Button("Notify me");
        await Expect(notify).ToBeVisibleAsync();
        await Expect(notify).ToHaveAttributeAsync("aria-pressed", "false");

        await page.Page.EvaluateAsync("setHidden(true)");
        for (var i = 1; i <= 3; i++) await friend.Send(groupId, $"while away {i}");
        await page.ExpectMessagesAsync("while away 1", "while away 2", "while away 3");
        await Expect(page.Page).ToHaveTitleAsync($"(3) group chat #{groupId} - WebChat");
        await page.Page.EvaluateAsync("setHidden(false)");
        await Expect(page.Page).ToHaveTitleAsync($"group chat #{groupId} - WebChat");
        // Nothing was asked on load, and nothing is shown until the person turns notifications on.
        Assert.Equal(0, await page.Page.EvaluateAsync<int>("window.asked"));
        Assert.Empty(await page.Page.EvaluateAsync<string[]>("window.shown"));

        await notify.ClickAsync();
        await Expect(notify).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(page.Page.Locator("#notify-status")).ToContainTextAsync("Desktop notifications are on");
        Assert.Equal(1, await page.Page.EvaluateAsync<int>("window.asked"));

        await page.SayAsync("my own message counts for nothing");
        await page.Page.EvaluateAsync("setHidden(true)");
        await friend.Send(groupId, "ping");
        await page.ExpectMessagesAsync("while away 1", "while away 2", "while away 3", "my own message counts for nothing", "ping");
        await Expect(page.Page).ToHaveTitleAsync($"(1) group chat #{groupId} - WebChat");
        Assert.Equal([$"Noa in group chat #{groupId} | ping"], await page.Page.EvaluateAsync<string[]>("window.shown"));
        await page.Page.EvaluateAsync("setHidden(false)");
        await Expect(page.Page).ToHaveTitleAsync($"group chat #{groupId} - WebChat");

        // Off again: no more notifications.
        await notify.ClickAsync();
        await Expect(notify).ToHaveAttributeAsync("aria-pressed", "false");
        await page.Page.EvaluateAsync("setHidden(true)");
        await friend.Send(groupId, "quiet");
        await Expect(page.Page).ToHaveTitleAsync($"(1) group chat #{groupId} - WebChat");
        Assert.Single(await page.Page.EvaluateAsync<string[]>("window.shown"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task FocusIsVisibleInForcedColorsMode()
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress);
        await page.Page.EmulateMediaAsync(new() { ForcedColors = ForcedColors.Active });

        // Forced colours drop box-shadows: what shows focus must be an outline.
        await page.YourName.FocusAsync();
        await AssertOutlinedAsync(page.YourName, "the name input");
        await page.Password.FocusAsync();
        await page.Page.Keyboard.PressAsync("Tab");
        await Expect(page.CreateGroup).ToBeFocusedAsync();
        await AssertOutlinedAsync(page.CreateGroup, "the Create group button");

        await page.CreateGroupAsync("Dana", "pw");
        await Expect(page.Message).ToBeFocusedAsync();
        await AssertOutlinedAsync(page.Message, "the message box");
        await page.Page.Keyboard.PressAsync("Shift+Tab");
        await Expect(page.Log).ToBeFocusedAsync();
        await AssertOutlinedAsync(page.Log, "the conversation");
        await page.ScreenshotAsync("forced-colors");
    }

    private static async Task AssertOutlinedAsync(ILocator element, string what)
    {
        var outline = await element.EvaluateAsync<string>("e => { const s = getComputedStyle(e); return s.outlineStyle + ' ' + parseFloat(s.outlineWidth); }");
        var parts = outline.Split(' ');
        Assert.True(parts[0] != "none" && double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) >= 2, $"{what}: outline {outline}px when focused");
    }
}
