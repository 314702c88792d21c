using System.Diagnostics.Tracing;
using System.Threading.Channels;

namespace WebChat.Tests.Operations;

/// <summary>
/// Listens to the runtime's System.Diagnostics.Metrics event source the way dotnet-counters does
/// (dotnet-counters enables the same source over EventPipe), for the WebChat meter only.
/// </summary>
public sealed class CountersListener : EventListener
{
    private const string SourceName = "System.Diagnostics.Metrics";
    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly Channel<(string Instrument, string Tags, string Value)> _values = Channel.CreateUnbounded<(string, string, string)>();
    private EventSource? _source;
    private bool _ready;

    public CountersListener()
    {
        _ready = true;
        if (_source is not null) Enable(_source);
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name != SourceName) return;
        _source = source;
        if (_ready) Enable(source);
    }

    private void Enable(EventSource source) =>
        EnableEvents(source, EventLevel.Informational, (EventKeywords)0x3, new Dictionary<string, string?>
        {
            ["SessionId"] = _session,
            ["Metrics"] = "WebChat",
            ["RefreshInterval"] = "0.2",
            ["MaxTimeSeries"] = "1000",
            ["MaxHistograms"] = "10",
        });

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName is not ("CounterRateValuePublished" or "UpDownCounterRateValuePublished") || e.Payload is null) return;
        var field = (string name) => e.Payload[e.PayloadNames!.IndexOf(name)]?.ToString() ?? "";
        if (field("sessionId") != _session || field("meterName") != "WebChat") return;
        _values.Writer.TryWrite((field("instrumentName"), field("tags"), field("value")));
    }

    /// <summary>Waits until the source publishes <paramref name="value"/> for an instrument and tag set such as <c>door=hub</c>.</summary>
    public async Task WaitForAsync(string instrument, string tags, string value)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var last = "nothing";
        try
        {
            await foreach (var v in _values.Reader.ReadAllAsync(cts.Token))
            {
                if (v.Instrument != instrument || v.Tags != tags) continue;
                if (v.Value == value) return;
                last = v.Value;
            }
        }
        catch (OperationCanceledException) { }
        Assert.Fail($"dotnet-counters' event source did not publish {instrument} [{tags}] = {value}; last: {last}");
    }
}
