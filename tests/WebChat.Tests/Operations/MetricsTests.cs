using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
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
    public async Task HubLoadMovesTheInstrumentsAndTheyAreExportedAtMetrics()
    {
        await using var app = new WebChatApplication();
        using var meter = new ChatMeterRecorder(app.Get<IMeterFactory>());
        await using var hadas = await ChatClient.ConnectAsync(app);
        await using var shoham = await ChatClient.ConnectAsync(app);

        var g = (await hadas.CreateGroup("Hadas", "12345")).GroupId;
        await Assert.ThrowsAsync<HubException>(() => shoham.JoinGroup(g, "Shoham", "wrong"));
        await shoham.JoinGroup(g, "Shoham", "12345");
        for (var i = 0; i < 5; i++) await shoham.Send(g, $"message {i}");
        await Assert.ThrowsAsync<HubException>(() => shoham.Send(g, new string('x', 2001)));
        await hadas.Heard.TakeAsync(6); // Shoham's join and the five messages

        Assert.Equal(2, meter.Sum("webchat.connections", "door=hub"));
        Assert.Equal(1, meter.Sum("webchat.groups"));
        Assert.Equal(2, meter.Sum("webchat.members", "door=hub"));
        Assert.Equal(5, meter.Sum("webchat.messages.accepted", "door=hub"));
        Assert.Equal(1, meter.Sum("webchat.messages.refused", "reason=too_long"));
        Assert.Equal(1, meter.Sum("webchat.password.failures", "throttled=False"));
        Assert.Equal(6, meter.Sum("webchat.deliveries", "door=hub"));

        var exported = await new HttpClient().GetStringAsync(new Uri(app.BaseAddress, "/metrics"));
        Assert.Equal(2, Value(exported, "webchat_connections", "door=\"hub\""));
        Assert.Equal(1, Value(exported, "webchat_groups"));
        Assert.Equal(2, Value(exported, "webchat_members", "door=\"hub\""));
        Assert.Equal(5, Value(exported, "webchat_messages_accepted_total", "door=\"hub\""));
        Assert.Equal(1, Value(exported, "webchat_messages_refused_total", "reason=\"too_long\""));
        Assert.Equal(1, Value(exported, "webchat_password_failures_total", "throttled=\"false\""));
        Assert.Equal(6, Value(exported, "webchat_deliveries_total", "door=\"hub\""));

        await shoham.LeaveGroup(g);
        await hadas.LeaveGroup(g);
        await shoham.DisposeAsync();
        Assert.Equal(0, meter.Sum("webchat.groups"));
        Assert.Equal(0, meter.Sum("webchat.members", "door=hub"));
        await meter.WaitForAsync(1, "webchat.connections", "door=hub");
    }

    /// <summary>The value of one series in Prometheus text: the line <c>name{...label...} value</c>.</summary>
    private static double Value(string exported, string name, string? label = null)
    {
        var lines = exported.Split('\n').Where(l => Regex.IsMatch(l, $@"^{Regex.Escape(name)}[{{ ]") && (label is null || l.Contains(label))).ToList();
        Assert.True(lines.Count == 1, $"Expected one series {name} {label} in /metrics, found {lines.Count}:\n{exported}");
        return double.Parse(lines[0].Split(' ')[^1], CultureInfo.InvariantCulture);
    }
}
