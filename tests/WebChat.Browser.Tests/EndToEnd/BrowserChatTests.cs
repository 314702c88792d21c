using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WebChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>Two people (and SignalR clients standing in for others) using the page at / in real Chromium.</summary>
public sealed class BrowserChatTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task PeopleCreateAndJoinInTwoPagesAndTalkBothWays()
    {
        await using var app = new WebChatApplication();
        await using var alice = await browser.OpenAsync(app.BaseAddress);
        await Expect(alice.Page.Locator("#no-groups")).ToBeVisibleAsync();
        await alice.ScreenshotAsync("lobby-empty");

        var groupId = await alice.CreateGroupAsync("Alice", "tea & cake");
        await Expect(alice.Message).ToBeFocusedAsync();
        await Expect(alice.Page.Locator("#room-id")).ToHaveTextAsync(groupId.ToString());
        await Expect(alice.Page.Locator("#no-messages")).ToBeVisibleAsync();
        await alice.Button("Copy ID").ClickAsync();
        await Expect(alice.Page.Locator("#copy-status")).ToHaveTextAsync("ID copied");
        Assert.Equal(groupId.ToString(), await alice.Page.EvaluateAsync<string>("navigator.clipboard.readText()"));
        await alice.Button("Copy invite link").ClickAsync();
        await Expect(alice.Page.Locator("#copy-status")).ToHaveTextAsync("Invite link copied");
        var invite = await alice.Page.EvaluateAsync<string>("navigator.clipboard.readText()");
        Assert.Equal(new Uri(app.BaseAddress, $"/?join={groupId}"), new Uri(invite));
        await alice.SayAsync("Said before Bob came");

        // Bob opens the invite link: his lobby lists the group (server-rendered, with its member count) and the ID is filled in.
        await using var bob = await browser.OpenAsync(app.BaseAddress, width: 390, height: 844, path: new Uri(invite).PathAndQuery);
        await Expect(bob.GroupId).ToHaveValueAsync(groupId.ToString());
        await Expect(bob.Page.Locator("#open-groups")).ToContainTextAsync($"Group #{groupId}");
        await Expect(bob.Page.Locator("#open-groups")).ToContainTextAsync("1 member");
        await bob.ScreenshotAsync("lobby-narrow");
        await Expect(bob.Page.Locator("#lobby-notice")).ToContainTextAsync($"You're invited to group #{groupId}");
        await bob.YourName.FillAsync("Bob");
        await bob.Password.FillAsync("tea & cake");
        await bob.Password.PressAsync("Enter");   // with a group ID filled in, Enter joins
        Assert.Equal(groupId, await bob.InGroupAsync());
        await bob.ExpectMessagesAsync("Said before Bob came");
        await Expect(bob.Members).ToHaveTextAsync([new Regex("Alice"), new Regex(@"Bob\s*\(you\)")]);

        await Expect(alice.Notices.Last).ToHaveTextAsync("Bob joined the group");
        await Expect(alice.Members).ToHaveCountAsync(2);

        await alice.SayAsync("Hi Bob!");
        await bob.ExpectMessagesAsync("Said before Bob came", "Hi Bob!");
        await bob.SayAsync("Hi Alice, a long word: " + new string('w', 300));
        await alice.ExpectMessagesAsync("Said before Bob came", "Hi Bob!", "Hi Alice, a long word: " + new string('w', 300));

        // Your own messages are set apart; the others' carry their sender.
        await Expect(alice.MessageWith("Hi Bob!")).ToHaveClassAsync(new Regex(@"\bmine\b"));
        await Expect(bob.MessageWith("Hi Bob!")).Not.ToHaveClassAsync(new Regex(@"\bmine\b"));
        await Expect(bob.MessageWith("Hi Bob!").Locator(".sender")).ToHaveTextAsync("Alice");

        // The long word wraps inside the narrow screen instead of widening the page.
        var overflow = await bob.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "the narrow page scrolls sideways");

        // Times are the viewer's local time (the contexts run in Asia/Jerusalem).
        var time = alice.MessageWith("Hi Bob!").Locator("time");
        var sentAt = DateTimeOffset.Parse((await time.GetAttributeAsync("datetime"))!, CultureInfo.InvariantCulture);
        var local = TimeZoneInfo.ConvertTime(sentAt, TimeZoneInfo.FindSystemTimeZoneById("Asia/Jerusalem"));
        await Expect(time).ToHaveTextAsync(local.ToString("HH:mm", CultureInfo.InvariantCulture));

        await alice.ScreenshotAsync("joined-group");
        await bob.ScreenshotAsync("joined-group-narrow");
        Assert.Empty(alice.Errors);
        Assert.Empty(bob.Errors);
    }

    [Fact]
    public async Task AWrongPasswordIsShownInlineWithoutReloadingThePage()
    {
        await using var app = new WebChatApplication();
        await using var owner = await ChatClient.ConnectAsync(app);
        var group = await owner.CreateGroup("Owner", "right one");
        await using var page = await browser.OpenAsync(app.BaseAddress);
        await page.Page.EvaluateAsync("window.notReloaded = true");

        await page.JoinGroup.ClickAsync();
        await Expect(page.EntryError).ToHaveTextAsync("Enter your name first.");
        await Expect(page.YourName).ToBeFocusedAsync();

        await page.FillJoinAsync(group.GroupId, "Guest", "wrong one");
        await page.JoinGroup.ClickAsync();
        await Expect(page.EntryError).ToHaveTextAsync($"Wrong password for group {group.GroupId}");
        await Expect(page.Password).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Password).ToBeFocusedAsync();
        await page.ScreenshotAsync("error-wrong-password");

        await page.GroupId.FillAsync("99");
        await page.GroupId.PressAsync("Enter");
        await Expect(page.EntryError).ToHaveTextAsync("There is no group with id 99");

        await page.GroupId.FillAsync("seven");
        await page.JoinGroup.ClickAsync();
        await Expect(page.EntryError).ToHaveTextAsync("A group ID is a whole number, like 3.");

        await page.FillJoinAsync(group.GroupId, "owner", "right one");
        await page.JoinGroup.ClickAsync();
        await Expect(page.EntryError).ToContainTextAsync("already taken");

        Assert.True(await page.Page.EvaluateAsync<bool>("window.notReloaded === true"));
        await page.FillJoinAsync(group.GroupId, "Guest", "right one");
        await page.JoinGroup.ClickAsync();
        Assert.Equal(group.GroupId, await page.InGroupAsync());
    }

    [Fact]
    public async Task ARefusedMessageIsExplainedAndKeptInTheBox()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?>
        {
            ["Chat:Limits:MessageBurst"] = "1",
            ["Chat:Limits:MessagesPerSecond"] = "0.1", // the smallest rate allowed: a token every 10 s
        });
        await using var page = await browser.OpenAsync(app.BaseAddress);
        await page.CreateGroupAsync("Gal", "pw");

        await page.SayAsync("first");
        await page.Message.FillAsync("second, too soon");
        await page.Message.PressAsync("Enter");
        await Expect(page.Page.Locator("#send-error")).ToHaveTextAsync("You are sending messages too fast; this one was not sent, slow down a little");
        await Expect(page.Message).ToHaveValueAsync("second, too soon");
        await page.ExpectMessagesAsync("first");

        await page.Message.FillAsync(new string('x', 2001));
        await page.Send.ClickAsync();
        await Expect(page.Page.Locator("#send-error")).ToContainTextAsync("too long (2001 characters, at most 2000)");

        await page.Message.FillAsync("   ");
        await page.Message.PressAsync("Enter");
        await page.ExpectMessagesAsync("first");
    }

    [Fact]
    public async Task HostileNamesAndTextsAreShownAsText()
    {
        const string hostile = "<img src=x onerror=alert(1)>";
        const string script = "<script>alert(2)</script><b>bold?</b>";
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress);
        var dialogs = 0;
        page.Page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };

        var groupId = await page.CreateGroupAsync(hostile, "pw");
        await using var other = await ChatClient.ConnectAsync(app);
        await other.JoinGroup(groupId, "<b>Mallory</b>", "pw");
        await other.Send(groupId, script);
        await page.SayAsync(hostile);

        await page.ExpectMessagesAsync(script, hostile);
        await Expect(page.MessageWith(script).Locator(".sender")).ToHaveTextAsync("<b>Mallory</b>");
        await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync([hostile, "<b>Mallory</b>"]);
        await Expect(page.Notices.Last).ToHaveTextAsync("<b>Mallory</b> joined the group");
        await Expect(page.Page.Locator("#room img, #room b, #room script")).ToHaveCountAsync(0);
        Assert.Equal(0, dialogs);
        await page.ScreenshotAsync("hostile-names");
    }

    [Fact]
    public async Task AReloadKeepsMembershipAndShowsWhatWasSaidMeanwhile()
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress);
        var groupId = await page.CreateGroupAsync("Dana", "secret pass 1");
        await using var friend = await ChatClient.ConnectAsync(app);
        await friend.JoinGroup(groupId, "Noa", "secret pass 1");
        await page.SayAsync("before I left");
        await friend.NextMessageAsync();

        // Away: the tab goes elsewhere while the friend talks, then comes back.
        await page.Page.GotoAsync("about:blank");
        await friend.Send(groupId, "said while you were away");
        await page.GotoAsync();
        Assert.Equal(groupId, await page.InGroupAsync());
        await page.ExpectMessagesAsync("before I left", "said while you were away");
        await Expect(page.Notices).ToHaveTextAsync(["New since you were here"]);
        await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync(["Dana", "Noa"]);

        // A plain reload too; the tab keeps the rejoin token, never the password.
        await page.Page.ReloadAsync();
        await Expect(page.Connection).ToHaveTextAsync("Connected");
        await page.ExpectMessagesAsync("before I left", "said while you were away");
        var stored = await page.Page.EvaluateAsync<string>("JSON.stringify(sessionStorage)");
        Assert.Contains("token", stored);
        Assert.DoesNotContain("secret pass 1", stored);

        // Dana never left in Noa's eyes: the next thing Noa hears is her message.
        await page.SayAsync("back again");
        var heard = await friend.Heard.WaitForAsync(h => h is HeardMessage or HeardLeft);
        Assert.Equal("back again", Assert.IsType<HeardMessage>(heard).Message.Text);
    }

    [Fact]
    public async Task LeavingShowsTheLobbyAndTellsTheOthers()
    {
        await using var app = new WebChatApplication();
        await using var alice = await browser.OpenAsync(app.BaseAddress);
        var groupId = await alice.CreateGroupAsync("Alice", "pw");
        await using var bob = await browser.OpenAsync(app.BaseAddress);
        await bob.JoinGroupAsync(groupId, "Bob", "pw");
        await Expect(alice.Members).ToHaveCountAsync(2);

        await using var other = await ChatClient.ConnectAsync(app);
        var second = await other.CreateGroup("Carol", "pw2");

        await bob.LeaveGroup.ClickAsync();
        await Expect(bob.Page.Locator("#lobby-notice")).ToHaveTextAsync($"You left group #{groupId}.");
        await Expect(bob.Page.GetByText($"group chat #{groupId}")).ToHaveCountAsync(0);
        await Expect(bob.CreateGroup).ToBeVisibleAsync();
        await Expect(bob.YourName).ToBeFocusedAsync();
        await Expect(bob.YourName).ToHaveValueAsync("Bob");
        // The lobby was refreshed through ListGroups: it shows the group created while Bob was away from it.
        await Expect(bob.Page.Locator("#open-groups > li")).ToHaveTextAsync(
            [new Regex($@"Group #{groupId}\s*1 member"), new Regex($@"Group #{second.GroupId}\s*1 member")]);

        await Expect(alice.Notices.Last).ToHaveTextAsync("Bob left the group");
        await Expect(alice.Members.Locator(".member-name")).ToHaveTextAsync(["Alice"]);

        // After a reload Bob stays in the lobby: leaving also forgot the rejoin token.
        await bob.Page.ReloadAsync();
        await Expect(bob.CreateGroup).ToBeVisibleAsync();
        await Expect(bob.Page.Locator("#room")).ToBeHiddenAsync();
    }
}
