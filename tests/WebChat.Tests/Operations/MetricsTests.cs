using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using WebChat.Tests.Gateway;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Operations;

/// <summary>OpenTelemetry's exporter hears every meter named WebChat in the process, so /metrics is read with no other app running.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}

[Collection(MetricsCollection.Name)]
public class MetricsTests
{
    [Fact]
    public async Task HubAndTcpLoadMovesTheInstrumentsAndTheyAreExportedAtMetrics()
    {
        await using var app = new WebChatApplication();
        using var connections = app.Collect("webchat.connections");
        using var groups = app.Collect("webchat.groups");
        using var members = app.Collect("webchat.members");
        using var accepted = app.Collect("webchat.messages.accepted");
        using var refused = app.Collect("webchat.messages.refused");
        using var failures = app.Collect("webchat.password.failures");
        using var deliveries = app.Collect("webchat.deliveries");
        await using var hadas = await ChatClient.ConnectAsync(app);
        await using var shoham = await ChatClient.ConnectAsync(app);
        await using var terminal = await TcpChatClient.ConnectToMenuAsync(app);

        var g = (await hadas.CreateGroup("Hadas", "12345")).GroupId;
        await Assert.ThrowsAsync<HubException>(() => shoham.JoinGroup(g, "Shoham", "wrong"));
        await shoham.JoinGroup(g, "Shoham", "12345");
        await terminal.JoinGroupAsync(g, "Terminal", "12345");
        for (var i = 0; i < 5; i++) await shoham.Send(g, $"message {i}");
        await Assert.ThrowsAsync<HubException>(() => shoham.Send(g, new string('x', 2001)));
        await terminal.SendAsync("from the terminal");
        await terminal.SendAsync("and again");
        await hadas.Heard.TakeAsync(9);   // two joins, five hub and two TCP messages
        await shoham.Heard.TakeAsync(3);  // the terminal's join and its two messages
        for (var i = 0; i < 5; i++) await terminal.ExpectAsync($"Shoham: message {i}\n");

        Assert.Equal(2, connections.Sum("door=hub"));
        Assert.Equal(1, connections.Sum("door=tcp"));
        Assert.Equal(1, groups.Sum());
        Assert.Equal(2, members.Sum("door=hub"));
        Assert.Equal(1, members.Sum("door=tcp"));
        Assert.Equal(5, accepted.Sum("door=hub"));
        await accepted.WaitForSumAsync(2, "door=tcp"); // counted just after the group hears it
        Assert.Equal(1, refused.Sum("reason=too_long"));
        Assert.Equal(1, failures.Sum("throttled=False"));
        // Each event counts once per receiving connection: 1 + 2 joins, 5 messages to Hadas, 2 x 2 from the terminal.
        Assert.Equal(12, deliveries.Sum("door=hub"));
        Assert.Equal(5, deliveries.Sum("door=tcp"));

        var exported = await new HttpClient().GetStringAsync(new Uri(app.BaseAddress, "/metrics"));
        Assert.Equal(2, Value(exported, "webchat_connections", "door=\"hub\""));
        Assert.Equal(1, Value(exported, "webchat_connections", "door=\"tcp\""));
        Assert.Equal(1, Value(exported, "webchat_groups"));
        Assert.Equal(1, Value(exported, "webchat_members", "door=\"tcp\""));
        Assert.Equal(5, Value(exported, "webchat_messages_accepted_total", "door=\"hub\""));
        Assert.Equal(2, Value(exported, "webchat_messages_accepted_total", "door=\"tcp\""));
        Assert.Equal(1, Value(exported, "webchat_messages_refused_total", "reason=\"too_long\""));
        Assert.Equal(1, Value(exported, "webchat_password_failures_total", "throttled=\"false\""));
        Assert.Equal(12, Value(exported, "webchat_deliveries_total", "door=\"hub\""));
        Assert.Equal(5, Value(exported, "webchat_deliveries_total", "door=\"tcp\""));

        await terminal.SendAsync("Exit");
        await hadas.Heard.WaitForAsync(h => h is HeardLeft);
        await shoham.LeaveGroup(g);
        await hadas.LeaveGroup(g);
        Assert.Equal(0, groups.Sum());
        Assert.Equal(0, members.Sum("door=hub"));
        await members.WaitForSumAsync(0, "door=tcp");
        await terminal.DisposeAsync();
        await shoham.DisposeAsync();
        await connections.WaitForSumAsync(0, "door=tcp");
        await connections.WaitForSumAsync(1, "door=hub");
    }

    [Fact]
    public async Task InstrumentsAreVisibleToDotnetCounters()
    {
        using var counters = new CountersListener();
        await using var app = new WebChatApplication();
        await using var hadas = await ChatClient.ConnectAsync(app);
        await using var terminal = await TcpChatClient.ConnectToMenuAsync(app);
        var g = (await hadas.CreateGroup("Hadas", "12345")).GroupId;
        await terminal.JoinGroupAsync(g, "Terminal", "12345");
        await terminal.SendAsync("hello");
        await hadas.NextMessageAsync();

        await counters.WaitForAsync("webchat.connections", "door=hub", "1");
        await counters.WaitForAsync("webchat.connections", "door=tcp", "1");
        await counters.WaitForAsync("webchat.members", "door=tcp", "1");
    }

    /// <summary>The value of one series in Prometheus text: the line <c>name{...label...} value</c>.</summary>
    private static double Value(string exported, string name, string? label = null)
    {
        var lines = exported.Split('\n').Where(l => Regex.IsMatch(l, $@"^{Regex.Escape(name)}[{{ ]") && (label is null || l.Contains(label))).ToList();
        Assert.True(lines.Count == 1, $"Expected one series {name} {label} in /metrics, found {lines.Count}:\n{exported}");
        return double.Parse(lines[0].Split(' ')[^1], CultureInfo.InvariantCulture);
    }
}
