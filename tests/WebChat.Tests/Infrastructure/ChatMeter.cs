using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using WebChat.Groups;

namespace WebChat.Tests.Infrastructure;

/// <summary>
/// Reads one app's <c>WebChat</c> meter through <see cref="MetricCollector{T}"/>. The collector hears only the
/// meter made by that app's meter factory, so other apps in the same test run do not interfere.
/// </summary>
public static class ChatMeter
{
    /// <summary>Collects one instrument of the app's WebChat meter from now on, e.g. <c>app.Collect("webchat.deliveries")</c>.</summary>
    public static MetricCollector<long> Collect(this WebChatApplication app, string instrument) =>
        new(app.Get<IMeterFactory>(), ChatMetrics.MeterName, instrument);

    /// <summary>
    /// The sum of the measurements whose tags are exactly these (<c>"door=hub"</c>; none for an untagged
    /// instrument): an up-down counter's value, or a counter's total, since the collector was made.
    /// </summary>
    public static long Sum(this MetricCollector<long> collector, params string[] tags)
    {
        var wanted = tags.Order(StringComparer.Ordinal).ToList();
        return collector.GetMeasurementSnapshot()
            .Where(m => m.Tags.Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal).SequenceEqual(wanted))
            .Sum(m => m.Value);
    }

    /// <summary>Waits until a sum reaches a value (the server records some measurements after the client has moved on).</summary>
    public static async Task WaitForSumAsync(this MetricCollector<long> collector, long expected, params string[] tags)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (collector.Sum(tags) != expected)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{collector.Instrument?.Name} {string.Join(',', tags)} stayed at {collector.Sum(tags)}, expected {expected}");
            await Task.Delay(20);
        }
    }
}
