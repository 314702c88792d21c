using Microsoft.Playwright;

namespace WebChat.Browser.Tests.EndToEnd;

/// <summary>
/// One headless Debian Chromium per test class (never a downloaded browser); each test gets its own
/// contexts, so pages share nothing but the process.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"{ChromiumPath} is missing: install Debian's chromium (scripts/test.sh does).");
        // Generous bounds: the suite shares two cores with builds and other tests.
        Assertions.SetDefaultExpectTimeout(10_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"],
        });
    }

    /// <summary>A new browser context (its own cookies and sessionStorage, like another person's browser).</summary>
    /// <param name="initScript">Script run in every document before the page's own (Playwright injects it past the CSP).</param>
    public async Task<ChatPage> OpenAsync(Uri baseAddress, int width = 1280, int height = 800, string path = "/", string? initScript = null)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            BaseURL = baseAddress.ToString(),
            Locale = "en-GB",
            TimezoneId = "Asia/Jerusalem",
            Permissions = ["clipboard-read", "clipboard-write"],
        });
        context.SetDefaultTimeout(10_000);
        if (initScript is not null) await context.AddInitScriptAsync(initScript);
        var page = await context.NewPageAsync();
        var chat = new ChatPage(page);
        await chat.GotoAsync(path);
        return chat;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
