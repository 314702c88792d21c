using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>The chat page as a person uses it: by the accessible names its controls promise (docs/protocol.md, the page).</summary>
public sealed partial class ChatPage : IAsyncDisposable
{
    private readonly IPage page;

    public ChatPage(IPage page)
    {
        this.page = page;
        page.Console += (_, m) => { if (m.Type == "error") Errors.Add(m.Text); };
        page.PageError += (_, e) => Errors.Add(e);
    }

    /// <summary>Console errors and uncaught exceptions (a script refused by the CSP shows up here too).</summary>
    public List<string> Errors { get; } = [];

    public IPage Page => page;
    public ILocator YourName => page.GetByLabel("Your name", new() { Exact = true });
    public ILocator Password => page.GetByLabel("Password", new() { Exact = true });
    public ILocator GroupId => page.GetByLabel("Group ID", new() { Exact = true });
    public ILocator Message => page.GetByLabel("Message", new() { Exact = true });
    public ILocator CreateGroup => Button("Create group");
    public ILocator JoinGroup => Button("Join group");
    public ILocator Send => Button("Send");
    public ILocator LeaveGroup => Button("Leave group");
    public ILocator EntryError => page.Locator("#entry-error");
    public ILocator Connection => page.Locator("#connection");
    public ILocator Messages => page.Locator("#messages > li.message");
    public ILocator Notices => page.Locator("#messages > li.notice");
    public ILocator Members => page.Locator("#members > li");
    public ILocator Log => page.GetByRole(AriaRole.Log);
    public ILocator LobbyNotice => page.Locator("#lobby-notice");
    public ILocator NewPassword => page.GetByLabel("New password", new() { Exact = true });
    public ILocator ChangePassword => Button("Change password");
    public ILocator MemberNamed(string name) => Members.Filter(new() { Has = page.Locator(".member-name", new() { HasTextString = name }) });

    public ILocator Button(string name) => page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    /// <summary>Opens / and waits until the page is connected to the hub.</summary>
    public async Task GotoAsync(string path = "/")
    {
        await page.GotoAsync(path);
        await Expect(Connection).ToHaveTextAsync("Connected");
    }

    public async Task<int> CreateGroupAsync(string name, string password)
    {
        await YourName.FillAsync(name);
        await Password.FillAsync(password);
        await CreateGroup.ClickAsync();
        return await InGroupAsync();
    }

    public async Task JoinGroupAsync(int groupId, string name, string password)
    {
        await FillJoinAsync(groupId, name, password);
        await JoinGroup.ClickAsync();
        Assert.Equal(groupId, await InGroupAsync());
    }

    public async Task FillJoinAsync(int groupId, string name, string password)
    {
        await YourName.FillAsync(name);
        await Password.FillAsync(password);
        await GroupId.FillAsync(groupId.ToString());
    }

    /// <summary>Waits for the room's "group chat #N" heading and returns N.</summary>
    public async Task<int> InGroupAsync()
    {
        var heading = page.GetByRole(AriaRole.Heading, new() { NameRegex = GroupChatHeading() });
        await Expect(heading).ToBeVisibleAsync();
        return int.Parse(GroupChatHeading().Match(await heading.InnerTextAsync()).Groups[1].Value);
    }

    /// <summary>Types a message and presses Enter.</summary>
    public async Task SayAsync(string text)
    {
        await Message.FillAsync(text);
        await Message.PressAsync("Enter");
        await Expect(Message).ToHaveValueAsync("");
        await Expect(page.Locator("#messages > li.message.mine").Filter(new() { HasText = text }).Last).ToBeVisibleAsync();
    }

    public ILocator MessageWith(string text) => Messages.Filter(new() { Has = page.Locator(".text", new() { HasTextString = text }) });

    /// <summary>Waits until exactly these message texts are shown, in this order.</summary>
    public Task ExpectMessagesAsync(params string[] texts) => Expect(Messages.Locator(".text")).ToHaveTextAsync(texts);

    public async Task ScreenshotAsync(string name)
    {
        var dir = Path.Combine(RepoRoot, "test-output", "screenshots");
        Directory.CreateDirectory(dir);
        await page.ScreenshotAsync(new() { Path = Path.Combine(dir, name + ".png"), FullPage = true });
    }

    internal static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WebChat.sln"))) dir = dir.Parent;
            return dir?.FullName ?? Directory.GetCurrentDirectory();
        }
    }

    [GeneratedRegex(@"group chat #(\d+)")]
    private static partial Regex GroupChatHeading();

    public async ValueTask DisposeAsync() => await page.Context.CloseAsync();
}
