using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Operations;

/// <summary>
/// There is no Docker engine on the development machines: these tests read the Dockerfile and repeat
/// what the image does (publish, start with its environment and entry point, health check, docker stop).
/// </summary>
[Collection(PublishedAppCollection.Name)]
public class DockerfileTests(PublishedApp published)
{
    private Dockerfile Docker => published.Dockerfile;

    [Fact]
    public void ImageRunsAsNonRootOnTheAspNetRuntimeAndExposesHttpAndTcp()
    {
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Docker.RuntimeImage);
        Assert.Equal("$APP_UID", Docker.User);
        Assert.Equal((8080, 5555), (Docker.HttpPort, Docker.TcpPort));
        Assert.Equal(new[] { Docker.HttpPort, Docker.TcpPort }.Order(), Docker.Exposed.Order());
        Assert.Equal(["dotnet", "WebChat.dll"], Docker.EntryPoint);
        Assert.Equal([.. Docker.EntryPoint, "--probe", $"http://127.0.0.1:{Docker.HttpPort}/healthz"], Docker.HealthCheck);
        Assert.Equal("/app", Docker.WorkDir);
        // Chat:DataPath's default ("data" under the WORKDIR) is a volume the app's user may write.
        var text = File.ReadAllText(Path.Combine(PublishedApp.RepositoryRoot, "Dockerfile"));
        Assert.Matches(@"(?m)^VOLUME /app/data$", text);
        Assert.Matches(@"(?m)^RUN mkdir -p /app/data && chown ""\$APP_UID"" /app/data$", text);
    }

    [Fact]
    public void ComposeRunsTwoNodesOfThisImageOnRedisAndOneThatKeepsItsGroupsInAVolume()
    {
        var compose = File.ReadAllText(Path.Combine(PublishedApp.RepositoryRoot, "compose.yaml"));
        var containerPorts = Regex.Matches(compose, @"- ""\d+:(\d+)""").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(6, containerPorts.Count);
        Assert.Matches(@"(?m)^  single:\n    profiles: \[single\]\n", compose);
        Assert.Matches(@"(?m)^      - webchat-data:/app/data$", compose);
        Assert.All(containerPorts, p => Assert.Contains(p, Docker.Exposed));
        Assert.Equal(2, Regex.Matches(compose, @"ConnectionStrings__Redis: redis:6379").Count);
        Assert.Matches(@"(?m)^  redis:\n    image: redis:", compose);
        Assert.Matches(@"(?m)^    build: \.$", compose);
    }

    [Fact]
    public async Task PublishedAppStartedLikeTheImageServesHealthThePageTheTcpMenuAndPassesItsHealthCheck()
    {
        await using var node = await NodeProcess.StartAsync(published);
        using var http = new HttpClient { BaseAddress = node.BaseAddress };

        Assert.Equal("Healthy", await http.GetStringAsync("healthz"));
        var page = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("text/html", page.Content.Headers.ContentType?.ToString());

        await using (var tcp = await TcpChatClient.ConnectAsync(node.TcpPort))
            await tcp.ExpectAsync(TcpChatClient.Menu);

        var healthCheck = Docker.HealthCheck.Select(a => NodeProcess.MovePort(a, Docker.HttpPort, node.HttpPort)).ToList();
        var (healthy, said) = await PublishedApp.Run(healthCheck[0], healthCheck.Skip(1), published.Folder, TimeSpan.FromSeconds(15));
        Assert.True(healthy == 0, $"HEALTHCHECK {string.Join(' ', healthCheck)} exited {healthy}: {said}");

        var elapsed = Stopwatch.StartNew();
        node.Terminate();
        Assert.Equal(0, await node.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(8), $"docker stop would have waited {elapsed.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("Application is shutting down", node.Output);
    }

    [Fact]
    public async Task HealthCheckFailsWhenNothingAnswers()
    {
        var nobody = NodeProcess.MovePort(Docker.HealthCheck[^1], Docker.HttpPort, 1);
        var (exitCode, said) = await PublishedApp.Run(Docker.HealthCheck[0], [.. Docker.HealthCheck.Skip(1).SkipLast(1), nobody], published.Folder, TimeSpan.FromSeconds(15));
        Assert.Equal(1, exitCode);
        Assert.Contains("did not answer", said);
    }
}
