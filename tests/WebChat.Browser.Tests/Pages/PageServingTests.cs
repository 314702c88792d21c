using System.Net;
using WebChat.Tests.Infrastructure;

namespace WebChat.Browser.Tests.Pages;

/// <summary>How / and its files are served, seen over plain HTTP.</summary>
public sealed class PageServingTests
{
    [Fact]
    public async Task AFormPostedWithoutTheScriptGetsThePageBack()
    {
        await using var app = new WebChatApplication();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        var posted = await http.PostAsync("/", new FormUrlEncodedContent(new Dictionary<string, string> { ["userName"] = "a", ["password"] = "b" }));

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var html = await posted.Content.ReadAsStringAsync();
        Assert.Contains("Create group", html);
        Assert.Contains("needs JavaScript", html);
    }

    [Fact]
    public async Task TheSignalRBundleIsServedFromTheAppAndVersionedFilesKeep()
    {
        await using var app = new WebChatApplication();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var html = await http.GetStringAsync("/");

        var bundleUrl = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/lib/signalr/signalr\\.min\\.js\\?v=[^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(bundleUrl);
        var bundle = await http.GetAsync(bundleUrl);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        Assert.Contains("signalR", await bundle.Content.ReadAsStringAsync());
        Assert.Contains("immutable", bundle.Headers.CacheControl!.ToString());

        var module = await http.GetAsync("/js/view.js");
        Assert.Equal("no-cache", module.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task AnInviteLinkFillsTheGroupIdAndANonsenseOneIsIgnored()
    {
        await using var app = new WebChatApplication();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        Assert.Contains("You're invited to group #4", await http.GetStringAsync("/?join=4"));
        Assert.DoesNotContain("You're invited", await http.GetStringAsync("/?join=-4"));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/?join=abc")).StatusCode);
    }
}
