using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using WebChat.Groups;
using WebChat.Tests.Infrastructure;

namespace WebChat.Tests.Gateway;

/// <summary>Sums one instrument of one app's <c>WebChat</c> meter by its door tag (other apps in the test run are ignored).</summary>
public sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _byDoor = new();

    public MetricRecorder(WebChatApplication app, string instrument)
    {
        var scope = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (i, listener) =>
        {
            if (i.Meter.Name == ChatMetrics.MeterName && i.Name == instrument && ReferenceEquals(i.Meter.Scope, scope))
                listener.EnableMeasurementEvents(i);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "door") _byDoor.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    public long this[string door] => _byDoor.GetValueOrDefault(door);

    public void Dispose() => _listener.Dispose();
}
