using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace WebChat.Tests.Operations;

/// <summary>
/// Sums what one app's <c>WebChat</c> meter records, per instrument and tag set. Only that app's meter is
/// heard (its meter factory is the meter's scope), so other apps in the same test run do not interfere.
/// </summary>
public sealed class ChatMeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new();

    public ChatMeterRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "WebChat" && ReferenceEquals(instrument.Meter.Scope, scope))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().OrderBy(t => t.Key).Select(t => $",{t.Key}={t.Value}"));
            _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    /// <summary>The sum for an instrument with exactly these tags, e.g. <c>Sum("webchat.connections", "door=hub")</c>.</summary>
    public long Sum(string instrument, params string[] tags) =>
        _sums.GetValueOrDefault(instrument + string.Concat(tags.Order().Select(t => "," + t)));

    /// <summary>Waits until a sum reaches a value (the server records some measurements after the client has moved on).</summary>
    public async Task WaitForAsync(long expected, string instrument, params string[] tags)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Sum(instrument, tags) != expected)
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{instrument} {string.Join(',', tags)} stayed at {Sum(instrument, tags)}, expected {expected}");
            await Task.Delay(20);
        }
    }

    public void Dispose() => _listener.Dispose();
}
