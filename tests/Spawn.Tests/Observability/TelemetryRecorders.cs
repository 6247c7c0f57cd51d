using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Spawn.Tests.Observability;

/// <summary>One measurement of a Spawn instrument, its value as a double and its tags.</summary>
internal sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    internal object? this[string tag] => Tags.TryGetValue(tag, out object? value) ? value : null;
}

/// <summary>
/// Listens to every instrument of the "Spawn" meter, as OpenTelemetry's SDK does, and keeps what it
/// measures while it lives. A MeterListener hears the whole process: a test that counts exact
/// numbers runs in the isolated collection, where no other test runs beside it.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measured = new();

    internal MetricRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != "Spawn") return;
            Instruments[instrument.Name] = instrument;
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every Spawn instrument, by name.</summary>
    internal ConcurrentDictionary<string, Instrument> Instruments { get; } = new();

    /// <summary>The measurements of <paramref name="instrument"/>, those with <paramref name="tag"/> = <paramref name="value"/> when a tag is given.</summary>
    internal List<Measured> Of(string instrument, string? tag = null, object? value = null) =>
        [.. _measured.Where(m => m.Instrument == instrument && (tag is null || Equals(m[tag], value)))];

    internal double Sum(string instrument, string? tag = null, object? value = null) => Of(instrument, tag, value).Sum(m => m.Value);

    /// <summary>Reads the observable instruments now and returns <paramref name="instrument"/>'s latest value.</summary>
    internal double Observe(string instrument)
    {
        _listener.RecordObservableInstruments();
        return Of(instrument)[^1].Value;
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags) copy[tag.Key] = tag.Value;
        _measured.Enqueue(new Measured(instrument.Name, value, copy));
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// Listens to the "Spawn" activity source with every span sampled and recorded, as an exporter
/// would, and keeps the spans that stopped. Other tests' spans arrive too (the listener hears the
/// whole process): a test finds its own by the child's PID or a name only it uses.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    internal SpanRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Spawn",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The one span that ended for the child with <paramref name="pid"/>.</summary>
    internal Activity ForPid(int pid) => Assert.Single(_stopped, a => a.GetTagItem("process.pid") is int p && p == pid);

    /// <summary>The one span named <paramref name="name"/> (a name only the calling test uses).</summary>
    internal Activity Named(string name) => Assert.Single(_stopped, a => a.DisplayName == name);

    /// <summary>Every string the span carries: its name, status, attribute and event values (arrays element by element).</summary>
    internal static IEnumerable<string> Texts(Activity span)
    {
        yield return span.DisplayName;
        if (span.StatusDescription is { } status) yield return status;
        foreach (var tag in span.TagObjects.Concat(span.Events.SelectMany(e => e.Tags)))
        {
            yield return tag.Key;
            switch (tag.Value)
            {
                case string[] values:
                    foreach (string value in values) yield return value;
                    break;
                case { } value:
                    yield return Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                    break;
            }
        }
    }

    public void Dispose() => _listener.Dispose();
}
