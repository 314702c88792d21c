using System.Text.RegularExpressions;
using Microsoft.Playwright;
using WebChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>The owner of a group at work in the page, seen from the owner's, the removed member's and another member's pages.</summary>
public sealed class ModerationTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TheOwnerRemovesAMemberWithAnInlineConfirmationAndEveryoneSeesIt()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await browser.OpenAsync(app.BaseAddress);
        var groupId = await hadas.CreateGroupAsync("Hadas", "pw");
        await using var shoham = await browser.OpenAsync(app.BaseAddress, width: 390, height: 844);
        await shoham.JoinGroupAsync(groupId, "Shoham", "pw");
        await using var noa = await browser.OpenAsync(app.BaseAddress);
        await noa.JoinGroupAsync(groupId, "Noa", "pw");
        await Expect(hadas.Members).ToHaveCountAsync(3);

        // Everyone sees the owner marked; only the owner has the buttons and the password form.
        foreach (var page in new[] { hadas, shoham, noa })
            await Expect(page.MemberNamed("Hadas").Locator(".owner-mark")).ToHaveTextAsync("owner");
        await Expect(hadas.Button("Remove Shoham")).ToBeVisibleAsync();
        await Expect(hadas.Button("Make Shoham owner")).ToBeVisibleAsync();
        await Expect(hadas.Button("Remove Noa")).ToBeVisibleAsync();
        await Expect(hadas.Button("Remove Hadas")).ToHaveCountAsync(0);
        await Expect(hadas.NewPassword).ToBeVisibleAsync();
        await Expect(hadas.ChangePassword).ToBeVisibleAsync();
        await Expect(noa.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^(Remove|Make) ") })).ToHaveCountAsync(0);
        await Expect(noa.NewPassword).ToBeHiddenAsync();
        await Axe.AssertCleanAsync(hadas, "room-owner-1280");
        await hadas.ScreenshotAsync("owner-controls");

        // The keyboard way: the button turns into Confirm / Cancel in place, Escape goes back.
        await hadas.Button("Remove Shoham").FocusAsync();
        await hadas.Page.Keyboard.PressAsync("Enter");
        var confirm = hadas.Button("Confirm remove Shoham");
        await Expect(confirm).ToBeFocusedAsync();
        await Expect(hadas.Button("Cancel")).ToBeVisibleAsync();
        await Axe.AssertCleanAsync(hadas, "room-owner-confirm-1280");
        await hadas.ScreenshotAsync("owner-confirm");
        await hadas.Page.Keyboard.PressAsync("Escape");
        await Expect(hadas.Button("Remove Shoham")).ToBeFocusedAsync();
        await Expect(confirm).ToHaveCountAsync(0);
        await hadas.Button("Remove Shoham").ClickAsync();
        await hadas.Button("Cancel").ClickAsync();
        await Expect(hadas.Button("Remove Shoham")).ToBeFocusedAsync();
        await Expect(shoham.Members).ToHaveCountAsync(3);

        await hadas.Button("Remove Shoham").ClickAsync();
        await hadas.Button("Confirm remove Shoham").ClickAsync();

        // Shoham's page is back in the lobby and says who removed him.
        await Expect(shoham.LobbyNotice).ToHaveTextAsync($"You were removed from group #{groupId} by Hadas.");
        await Expect(shoham.Page.Locator("#room")).ToBeHiddenAsync();
        await Expect(shoham.YourName).ToHaveValueAsync("Shoham");
        Assert.Equal("{}", await shoham.Page.EvaluateAsync<string>("JSON.stringify(sessionStorage)"));
        await Axe.AssertCleanAsync(shoham, "lobby-removed-390");
        await shoham.ScreenshotAsync("removed-narrow");

        // The others see the removal as a notice, and the member list follows.
        foreach (var page in new[] { hadas, noa })
        {
            await Expect(page.Notices.Last).ToHaveTextAsync("Shoham was removed from the group by Hadas");
            await Expect(page.Members.Locator(".member-name")).ToHaveTextAsync(["Hadas", "Noa"]);
        }
        await Expect(hadas.Notices.Filter(new() { HasTextString = "was removed" })).ToHaveCountAsync(1);
        // The owner's keyboard stays in the member list.
        await Expect(hadas.Page.Locator("#members button:focus, #new-password:focus, #people-title:focus")).ToHaveCountAsync(1);

        // Removed means gone: a reload of Shoham's page stays in the lobby, and only the password lets him back.
        await shoham.Page.ReloadAsync();
        await Expect(shoham.CreateGroup).ToBeVisibleAsync();
        await shoham.JoinGroupAsync(groupId, "Shoham", "pw");
        await Expect(noa.Members).ToHaveCountAsync(3);
        Assert.Empty(hadas.Errors);
        Assert.Empty(shoham.Errors);
        Assert.Empty(noa.Errors);
    }

    [Fact]
    public async Task ThePasswordChangeAndTheNewOwnerAreSeenByEveryoneAndTheControlsFollowLive()
    {
        await using var app = new WebChatApplication();
        await using var hadas = await browser.OpenAsync(app.BaseAddress);
        var groupId = await hadas.CreateGroupAsync("Hadas", "old password");
        await using var noa = await browser.OpenAsync(app.BaseAddress, width: 390, height: 844);
        await noa.JoinGroupAsync(groupId, "Noa", "old password");

        await hadas.ChangePassword.ClickAsync();
        await Expect(hadas.Page.Locator("#password-status")).ToHaveTextAsync("Enter the new password first.");
        await Expect(hadas.NewPassword).ToBeFocusedAsync();
        await hadas.NewPassword.FillAsync("new password");
        await hadas.NewPassword.PressAsync("Enter");
        await Expect(hadas.Page.Locator("#password-status")).ToContainTextAsync("The group's password is changed");
        await Expect(hadas.NewPassword).ToHaveValueAsync("");
        await Expect(hadas.Notices.Last).ToHaveTextAsync("You changed the group's password");
        await Expect(noa.Notices.Last).ToHaveTextAsync("Hadas changed the group's password");

        // The old password no longer opens the group; the new one does.
        await using var guest = await browser.OpenAsync(app.BaseAddress);
        await guest.FillJoinAsync(groupId, "Guest", "old password");
        await guest.JoinGroup.ClickAsync();
        await Expect(guest.EntryError).ToHaveTextAsync($"Wrong password for group {groupId}");
        await Expect(guest.Password).ToHaveAttributeAsync("aria-invalid", "true");
        await guest.Password.FillAsync("new password");
        await guest.JoinGroup.ClickAsync();
        await guest.InGroupAsync();

        // Ownership passes to Noa: every page says so, Hadas' controls go, Noa's appear without a reload.
        await hadas.Button("Make Noa owner").ClickAsync();
        await hadas.Button("Confirm make Noa owner").ClickAsync();
        foreach (var page in new[] { hadas, noa, guest })
        {
            await Expect(page.Notices.Last).ToHaveTextAsync("Noa is now the owner of the group");
            await Expect(page.MemberNamed("Noa").Locator(".owner-mark")).ToBeVisibleAsync();
            await Expect(page.MemberNamed("Hadas").Locator(".owner-mark")).ToBeHiddenAsync();
        }
        await Expect(hadas.Page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^(Remove|Make) ") })).ToHaveCountAsync(0);
        await Expect(hadas.NewPassword).ToBeHiddenAsync();
        await Expect(noa.Button("Remove Hadas")).ToBeVisibleAsync();
        await Expect(noa.Button("Make Guest owner")).ToBeVisibleAsync();
        await Expect(noa.NewPassword).ToBeVisibleAsync();
        await Axe.AssertCleanAsync(noa, "room-owner-390");
        await noa.ScreenshotAsync("new-owner-narrow");

        // When the owner leaves, the longest member (Hadas) is the owner again, and her page shows it live.
        await noa.LeaveGroup.ClickAsync();
        await Expect(hadas.Notices.Last).ToHaveTextAsync("Hadas is now the owner of the group");
        await Expect(hadas.Button("Remove Guest")).ToBeVisibleAsync();
        await Expect(hadas.NewPassword).ToBeVisibleAsync();
        Assert.Empty(hadas.Errors);
        Assert.Empty(noa.Errors);
    }

    [Fact]
    public async Task EachRejoinStoresTheFreshTokenSoReloadAfterReloadKeepsTheMember()
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress);
        var groupId = await page.CreateGroupAsync("Dana", "pw");
        var tokens = new List<string> { await TokenAsync(page) };

        for (var i = 0; i < 3; i++)
        {
            await page.Page.ReloadAsync();
            await Expect(page.Connection).ToHaveTextAsync("Connected");
            Assert.Equal(groupId, await page.InGroupAsync());
            // The member list is filled by the Rejoin answer, in the same step that stores its token.
            await Expect(page.MemberNamed("Dana").Locator(".owner-mark")).ToBeVisibleAsync();
            tokens.Add(await TokenAsync(page));
        }

        Assert.Equal(tokens.Count, tokens.Distinct().Count());
        await page.SayAsync("still here");
        Assert.Empty(page.Errors);
    }

    private static Task<string> TokenAsync(ChatPage page) =>
        page.Page.EvaluateAsync<string>("JSON.parse(sessionStorage.getItem('webchat.session')).token");
}
