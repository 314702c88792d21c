using Microsoft.Playwright;
using WebChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>Right-to-left and left-to-right texts and names side by side: each in its own direction, isolated.</summary>
public sealed class DirectionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Hebrew = "שלום שוהם!!!! מה נשמע?";
    private const string English = "Hello Shoham, how are you?";
    private const string MixedHebrewFirst = "שלום Hadas, מה נשמע?";
    private const string MixedEnglishFirst = "Hadas says שלום to everyone";

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(390, 844)]
    public async Task EveryTextAndNameShowsInItsOwnDirection(int width, int height)
    {
        await using var app = new WebChatApplication();
        await using var page = await browser.OpenAsync(app.BaseAddress, width, height);
        var groupId = await page.CreateGroupAsync("Hadas", "pw");
        await using var shoham = await ChatClient.ConnectAsync(app);
        await shoham.JoinGroup(groupId, "שוהם", "pw");
        foreach (var text in new[] { Hebrew, English, MixedHebrewFirst, MixedEnglishFirst }) await shoham.Send(groupId, text);
        await page.SayAsync("שלום!");

        await page.ExpectMessagesAsync(Hebrew, English, MixedHebrewFirst, MixedEnglishFirst, "שלום!");
        Assert.Equal("rtl", await DirectionOf(page.MessageWith(Hebrew).Locator(".text")));
        Assert.Equal("ltr", await DirectionOf(page.MessageWith(English).Locator(".text")));
        Assert.Equal("rtl", await DirectionOf(page.MessageWith(MixedHebrewFirst).Locator(".text")));
        Assert.Equal("ltr", await DirectionOf(page.MessageWith(MixedEnglishFirst).Locator(".text")));
        Assert.Equal("rtl", await DirectionOf(page.MessageWith("שלום!").Locator(".text")));
        // Aligned to its own start: the right edge for a Hebrew text, the left for an English one.
        Assert.Equal("start", await page.MessageWith(Hebrew).Locator(".text").EvaluateAsync<string>("e => getComputedStyle(e).textAlign"));

        // The sender's name, the member list and the notice each isolate the Hebrew name.
        var sender = page.MessageWith(Hebrew).Locator(".sender");
        await Expect(sender).ToHaveTextAsync("שוהם");
        Assert.Equal("rtl", await DirectionOf(sender));
        Assert.Equal("isolate", await IsolationOf(sender));
        var member = page.Members.Locator(".member-name", new() { HasTextString = "שוהם" });
        Assert.Equal("rtl", await DirectionOf(member));
        Assert.Equal("isolate", await IsolationOf(member));
        Assert.Equal("ltr", await DirectionOf(page.Members.Locator(".member-name", new() { HasTextString = "Hadas" })));
        var notice = page.Notices.Filter(new() { HasTextString = "joined the group" });
        await Expect(notice).ToHaveTextAsync("שוהם joined the group");
        var noticeName = notice.Locator("bdi");
        await Expect(noticeName).ToHaveTextAsync("שוהם");
        Assert.Equal("rtl", await DirectionOf(noticeName));
        Assert.Equal("isolate", await IsolationOf(noticeName));
        // ...so the sentence around it stays left to right, the name first.
        Assert.Equal("ltr", await DirectionOf(notice.Locator("[data-field=text]")));

        await page.ScreenshotAsync($"directions-{width}");
        Assert.Empty(page.Errors);
    }

    private static Task<string> DirectionOf(ILocator element) => element.EvaluateAsync<string>("e => getComputedStyle(e).direction");

    private static Task<string> IsolationOf(ILocator element) => element.EvaluateAsync<string>("e => getComputedStyle(e).unicodeBidi");
}
