using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Operations;

/// <summary>The container's logs (compact JSON, as the Dockerfile sets) as an operator reads them.</summary>
[Collection(PublishedAppCollection.Name)]
public class LoggingTests(PublishedApp published)
{
    [Fact]
    public async Task JsonLogsCorrelateHubEventsWithTheirConnectionAndGroupAndLogRequestsButNotProbes()
    {
        await using var node = await NodeProcess.StartAsync(published);
        using (var http = new HttpClient { BaseAddress = node.BaseAddress })
        {
            await http.GetAsync("/");
            await http.GetAsync("healthz");
        }
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(node.BaseAddress, "/hubs/chat")).Build();
        await hub.StartAsync();
        var groupId = (await hub.InvokeAsync<JoinedGroup>("CreateGroup", "Hadas", "open-sesame-42")).GroupId;
        await hub.InvokeAsync("LeaveGroup", groupId);
        var connectionId = hub.ConnectionId;
        await hub.StopAsync();
        node.Terminate();
        await node.WaitForExitAsync(TimeSpan.FromSeconds(10));

        var events = node.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.NotEmpty(events);
        var left = Assert.Single(events, e => Template(e) == "{UserName} left group {GroupId} ({Reason})");
        Assert.Equal("hub", left.GetProperty("Door").GetString());
        Assert.Equal(connectionId, left.GetProperty("ConnectionId").GetString());
        Assert.Equal(groupId, left.GetProperty("GroupId").GetInt32());

        var requests = events.Where(e => Template(e).StartsWith("HTTP {RequestMethod} {RequestPath}")).Select(e => e.GetProperty("RequestPath").GetString()).ToList();
        Assert.Contains("/", requests);
        Assert.True(!requests.Contains("/healthz"), "A probe was logged:\n" + string.Join('\n', node.Output.Split('\n').Where(l => l.Contains("/healthz"))));
        Assert.DoesNotContain("open-sesame-42", node.Output);
    }

    private static string Template(JsonElement e) => e.TryGetProperty("@mt", out var mt) ? mt.GetString()! : "";
}
