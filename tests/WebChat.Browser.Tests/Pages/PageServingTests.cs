using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
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

    [Theory]
    [InlineData("link", "href", "/css/site.", ".css", "text/css", ".message")]
    [InlineData("script", "src", "/js/chat.", ".js", "text/javascript", "HubConnectionBuilder")]
    [InlineData("script", "src", "/lib/signalr/signalr.min.", ".js", "text/javascript", "signalR")]
    public async Task ThePageLinksFingerprintedFilesServedCompressedAndCachedForGood(string tag, string attribute, string prefix, string extension, string type, string content)
    {
        await using var app = new WebChatApplication();
        using var http = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = app.BaseAddress };
        var html = await http.GetStringAsync("/");

        // The page names the file by its content hash (from the build's static assets manifest).
        var url = Regex.Match(html, $"<{tag} [^>]*{attribute}=\"({Regex.Escape(prefix)}[a-z0-9]+{Regex.Escape(extension)})\"").Groups[1].Value;
        Assert.NotEmpty(url);

        foreach (var (encoding, decompress) in new (string, Func<Stream, Stream>)[]
                 {
                     ("br", s => new BrotliStream(s, CompressionMode.Decompress)),
                     ("gzip", s => new GZipStream(s, CompressionMode.Decompress)),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd(encoding);
            using var response = await http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal([encoding], response.Content.Headers.ContentEncoding);
            Assert.StartsWith(type, response.Content.Headers.ContentType!.ToString());
            Assert.True(response.Headers.CacheControl!.MaxAge >= TimeSpan.FromDays(365), response.Headers.CacheControl.ToString());
            Assert.Contains("immutable", response.Headers.CacheControl.ToString());
            Assert.Contains("Accept-Encoding", response.Headers.Vary);
            var compressed = await response.Content.ReadAsByteArrayAsync();
            using var reader = new StreamReader(decompress(new MemoryStream(compressed)));
            var text = await reader.ReadToEndAsync();
            Assert.Contains(content, text);
            Assert.True(compressed.Length < Encoding.UTF8.GetByteCount(text) / 2, $"{url} as {encoding}: {compressed.Length} bytes for {text.Length} characters");
            // The strict policy holds on the files too.
            Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        }
    }

    [Fact]
    public async Task APlainFileNameIsRevalidatedAndThePageHasNoInlineScript()
    {
        await using var app = new WebChatApplication();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var page = await http.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();

        // The modules import each other by plain name: those answers are revalidated (ETag), never kept stale.
        var module = await http.GetAsync("/js/view.js");
        Assert.Equal(HttpStatusCode.OK, module.StatusCode);
        Assert.Equal("no-cache", module.Headers.CacheControl!.ToString());
        Assert.NotNull(module.Headers.ETag);

        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)[^>]*>", html);
        Assert.DoesNotMatch("<[^>]*\\son[a-z]+=", html);
        Assert.DoesNotContain("unsafe-inline", page.Headers.GetValues("Content-Security-Policy").Single());
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
