using System.Net;
using System.Net.WebSockets;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Security;

public class SecurityTests
{
    [Fact]
    public async Task PagesCarryAStrictContentSecurityPolicyAndTheUsualHeaders()
    {
        await using var app = new WebChatApplication();
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        var response = await http.GetAsync("/");
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task ABrowserOnAnotherOriginCannotOpenTheHub()
    {
        await using var app = new WebChatApplication();
        var status = await WebSocketStatusAsync(app.BaseAddress, "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        // Same origin and non-browser clients (no Origin header) are welcome.
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WebSocketStatusAsync(app.BaseAddress, app.BaseAddress.GetLeftPart(UriPartial.Authority)));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WebSocketStatusAsync(app.BaseAddress, origin: null));
    }

    [Fact]
    public async Task AConfiguredOriginMayOpenTheHubAndNegotiateWithCors()
    {
        await using var app = new WebChatApplication(new Dictionary<string, string?> { ["Chat:Security:AllowedOrigins:0"] = "https://chat.example.org" });
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WebSocketStatusAsync(app.BaseAddress, "https://chat.example.org"));

        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/hubs/chat/negotiate?negotiateVersion=1");
        preflight.Headers.Add("Origin", "https://chat.example.org");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var response = await http.SendAsync(preflight);
        Assert.Equal("https://chat.example.org", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    private static async Task<HttpStatusCode> WebSocketStatusAsync(Uri baseAddress, string? origin)
    {
        using var ws = new ClientWebSocket();
        ws.Options.CollectHttpResponseDetails = true;
        if (origin is not null) ws.Options.SetRequestHeader("Origin", origin);
        var uri = new UriBuilder(baseAddress) { Scheme = "ws", Path = "/hubs/chat" }.Uri;
        try { await ws.ConnectAsync(uri, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token); }
        catch (WebSocketException) { }
        return ws.HttpStatusCode;
    }
}
