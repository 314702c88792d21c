using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using WebChat.Gateway;
using WebChat.Groups;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;
using WebChat.Tests.Operations;

namespace WebChat.Tests.Network;

/// <summary>The gateway's TLS port: the same dialogue inside TLS, members in the same groups as the plain port and the hub.</summary>
public sealed class TlsGatewayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("webchat-tls-").FullName;

    private string CertificatePath => Path.Combine(_dir, "cert.pem");
    private string KeyPath => Path.Combine(_dir, "key.pem");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private WebChatApplication App(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Chat:Gateway:TlsPort"] = NodeProcess.FreePort().ToString(),
            ["Chat:Gateway:Certificate:Path"] = CertificatePath,
            ["Chat:Gateway:Certificate:KeyPath"] = KeyPath,
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return new WebChatApplication(settings);
    }

    private static int TlsPortOf(WebChatApplication app)
    {
        TcpChatClient.PortOf(app);
        return app.Get<GatewayEndpoint>().TlsPort;
    }

    [Fact]
    public async Task TlsPlainOpensslAndHubMembersTalkInOneGroup()
    {
        using var certificate = TestCertificate.Create();
        TestCertificate.WritePem(certificate, CertificatePath, KeyPath);
        await using var app = App();
        var tlsPort = TlsPortOf(app);

        await using var hadas = await TcpChatClient.ConnectTlsAsync(tlsPort);
        Assert.Equal(certificate.Thumbprint, hadas.RemoteCertificate!.Thumbprint);
        await hadas.ExpectAsync(TcpChatClient.Menu);
        var id = await hadas.CreateGroupAsync("Hadas", "secret");

        await using var shoham = await TcpChatClient.ConnectToMenuAsync(app);
        await shoham.JoinGroupAsync(id, "Shoham", "secret");
        await hadas.ExpectAsync("Shoham has joined the group \n");

        await using var web = await ChatClient.ConnectAsync(app);
        await web.JoinGroup(id, "Web", "secret");
        await hadas.ExpectAsync("Web has joined the group \n");

        await using var ossl = OpensslClient.Start(tlsPort);
        await ossl.WaitForLineAsync(l => l == " 3. Exit the server. ");
        foreach (var line in new[] { "1", "Ossl", id.ToString(), "secret" }) await ossl.SendAsync(line);
        await ossl.WaitForLineAsync(l => l == $"You're connected to group chat #{id}");
        await hadas.ExpectAsync("Ossl has joined the group \n");

        await hadas.SendAsync("hello from TLS");
        await shoham.WaitForLineAsync(l => l == "Hadas: hello from TLS");
        Assert.Equal("hello from TLS", (await web.NextMessageAsync()).Text);
        await ossl.WaitForLineAsync(l => l == "Hadas: hello from TLS");

        await shoham.SendAsync("plain here");
        await hadas.ExpectAsync("Shoham: plain here\n");
        await web.Send(id, "hub here");
        await hadas.ExpectAsync("Web: hub here\n");
        await ossl.SendAsync("openssl here");
        await hadas.ExpectAsync("Ossl: openssl here\n");
        await shoham.WaitForLineAsync(l => l == "Web: hub here");
        await shoham.ExpectAsync("Ossl: openssl here\n");

        await hadas.SendAsync("Exit");
        await hadas.WaitForLineAsync(l => l == "You chose exit so you removed from the group. ");
        await shoham.ExpectAsync("Hadas has removed from the group \n");
    }

    [Fact]
    public async Task TheSeedClientsLinesWithoutNewlineWorkInsideTls()
    {
        using var certificate = TestCertificate.Create();
        TestCertificate.WritePem(certificate, CertificatePath, KeyPath);
        await using var app = App();
        await using var client = await TcpChatClient.ConnectTlsAsync(TlsPortOf(app));
        await client.ExpectAsync(TcpChatClient.Menu);
        // Each pause ends a line: the session's read is cancelled by its timer and goes on inside the same TLS stream.
        await client.SendAsync("2", newline: false);
        await client.ExpectAsync("Enter your name: \n");
        await client.SendAsync("Hadas", newline: false);
        await client.ExpectAsync("Enter password for the group: \n");
        await client.SendAsync("secret", newline: false);
        await client.ExpectAsync("The id of the group is:1\nYou're connected to group chat #1\nYou can start to talk!\n");
        await client.SendAsync("/who");
        Assert.Contains("Hadas", await client.ReadLineAsync());
    }

    [Fact]
    public async Task ARenewedCertificateIsServedToTheNextConnectionWithoutARestart()
    {
        using var first = TestCertificate.Create("first");
        using var second = TestCertificate.Create("second");
        TestCertificate.WritePem(first, CertificatePath, KeyPath);
        await using var app = App(new() { ["Chat:Gateway:Certificate:ReloadCheckSeconds"] = "0" });
        var tlsPort = TlsPortOf(app);

        await using var before = await TcpChatClient.ConnectTlsAsync(tlsPort);
        Assert.Equal(first.Thumbprint, before.RemoteCertificate!.Thumbprint);
        await before.ExpectAsync(TcpChatClient.Menu);

        TestCertificate.WritePem(second, CertificatePath, KeyPath);
        await using var after = await TcpChatClient.ConnectTlsAsync(tlsPort);
        Assert.Equal(second.Thumbprint, after.RemoteCertificate!.Thumbprint);
        await after.ExpectAsync(TcpChatClient.Menu);

        // A renewal caught half-written keeps the certificate that works.
        await File.WriteAllTextAsync(CertificatePath, "-----BEGIN CERTIFICATE-----\nMIIB");
        await using var during = await TcpChatClient.ConnectTlsAsync(tlsPort);
        Assert.Equal(second.Thumbprint, during.RemoteCertificate!.Thumbprint);
        await during.ExpectAsync(TcpChatClient.Menu);

        // The connection made before the renewal goes on.
        await before.SendAsync("2");
        await before.ExpectAsync("Enter your name: \n");
    }

    [Fact]
    public async Task RenewalIsCheckedOnceTheIntervalHasPassed()
    {
        using var first = TestCertificate.Create("first");
        using var second = TestCertificate.Create("second");
        TestCertificate.WritePem(first, CertificatePath, KeyPath);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var certificate = GatewayCertificate.Load(
            new CertificateOptions { Path = CertificatePath, KeyPath = KeyPath, ReloadCheckSeconds = 30 }, time, NullLogger.Instance);
        Assert.Equal(first.Thumbprint, certificate.Current.TargetCertificate.Thumbprint);

        TestCertificate.WritePem(second, CertificatePath, KeyPath);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(first.Thumbprint, certificate.Current.TargetCertificate.Thumbprint);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(second.Thumbprint, certificate.Current.TargetCertificate.Thumbprint);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task APfxWithItsPasswordAndAnEncryptedPemKeyWork()
    {
        using var certificate = TestCertificate.Create();
        var pfx = Path.Combine(_dir, "cert.pfx");
        TestCertificate.WritePfx(certificate, pfx, "pfx pass");
        await using (var app = App(new() { ["Chat:Gateway:Certificate:Path"] = pfx, ["Chat:Gateway:Certificate:KeyPath"] = null, ["Chat:Gateway:Certificate:Password"] = "pfx pass" }))
        {
            await using var client = await TcpChatClient.ConnectTlsAsync(TlsPortOf(app));
            Assert.Equal(certificate.Thumbprint, client.RemoteCertificate!.Thumbprint);
            await client.ExpectAsync(TcpChatClient.Menu);
        }
        TestCertificate.WritePem(certificate, CertificatePath, KeyPath, password: "key pass");
        await using (var app = App(new() { ["Chat:Gateway:Certificate:Password"] = "key pass" }))
        {
            await using var client = await TcpChatClient.ConnectTlsAsync(TlsPortOf(app));
            Assert.Equal(certificate.Thumbprint, client.RemoteCertificate!.Thumbprint);
            await client.ExpectAsync(TcpChatClient.Menu);
        }
    }

    public static TheoryData<string, string> BadCertificates => new()
    {
        { "no path", "Chat:Gateway:Certificate:Path" },
        { "missing file", "Chat:Gateway:Certificate:Path" },
        { "not a certificate", "Chat:Gateway:Certificate:Path" },
        { "missing key file", "Chat:Gateway:Certificate:KeyPath" },
        { "another certificate's key", "Chat:Gateway:Certificate:KeyPath" },
        { "wrong PFX password", "Chat:Gateway:Certificate:Password" },
    };

    [Theory]
    [MemberData(nameof(BadCertificates))]
    public void AMissingOrBadCertificateIsAnErrorNamingTheKey(string kind, string key)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            GatewayCertificate.Load(BadCertificate(kind), TimeProvider.System, NullLogger.Instance));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task TheAppDoesNotStartWithABadCertificateAndSaysWhichKey()
    {
        var options = BadCertificate("another certificate's key");
        var app = typeof(Program).Assembly.Location;
        var (exitCode, output) = await PublishedApp.Run("dotnet",
            [app, "--urls=http://127.0.0.1:0", "--Chat:Gateway:Port=0", $"--Chat:Gateway:TlsPort={NodeProcess.FreePort()}",
             $"--Chat:Gateway:Certificate:Path={options.Path}", $"--Chat:Gateway:Certificate:KeyPath={options.KeyPath}", "--Chat:DataPath="],
            Path.GetDirectoryName(app)!, TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        Assert.Contains("Chat:Gateway:Certificate:KeyPath", output);
    }

    private CertificateOptions BadCertificate(string kind)
    {
        using var certificate = TestCertificate.Create();
        using var other = TestCertificate.Create("other");
        TestCertificate.WritePem(certificate, CertificatePath, KeyPath);
        var options = new CertificateOptions { Path = CertificatePath, KeyPath = KeyPath };
        switch (kind)
        {
            case "no path": options.Path = null; break;
            case "missing file": options.Path = Path.Combine(_dir, "nothing.pem"); break;
            case "not a certificate": File.WriteAllText(CertificatePath, "hello"); break;
            case "missing key file": options.KeyPath = Path.Combine(_dir, "nothing.key"); break;
            case "another certificate's key": TestCertificate.WritePem(other, Path.Combine(_dir, "other.pem"), KeyPath); break;
            case "wrong PFX password":
                TestCertificate.WritePfx(certificate, Path.Combine(_dir, "cert.pfx"), "right");
                (options.Path, options.KeyPath, options.Password) = (Path.Combine(_dir, "cert.pfx"), null, "wrong");
                break;
        }
        return options;
    }

    [Fact]
    public async Task PlainTextOnTheTlsPortIsClosedAndTheGatewayGoesOn()
    {
        using var certificate = TestCertificate.Create();
        TestCertificate.WritePem(certificate, CertificatePath, KeyPath);
        await using var app = App();
        var tlsPort = TlsPortOf(app);
        await using (var plain = await TcpChatClient.ConnectAsync(tlsPort))
        {
            await plain.SendAsync("2");
            Assert.Empty(await plain.ReadUntilClosedAsync());
        }
        await using var client = await TcpChatClient.ConnectTlsAsync(tlsPort);
        await client.ExpectAsync(TcpChatClient.Menu);
    }
}
