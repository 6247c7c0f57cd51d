using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Spawn.Internal;

/// <summary>
/// Spawn's metrics and traces: one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both
/// named "Spawn", which OpenTelemetry (or any <see cref="MeterListener"/>/<see cref="ActivityListener"/>)
/// picks up by name. docs/observability.md lists every instrument and attribute.
/// </summary>
/// <remarks>
/// <para>The places that call in: the start (<c>ProcessHandle.Start</c>), the reap (the wait state
/// publishing a child's final state), a command's start and completion (<c>ChildProcess</c>,
/// through <c>CommandTelemetry</c>), and a read from a command's output pipe. A command knows how
/// its run ended (a timeout, a cancellation), which the reap does not; so for a child a command
/// started, the command records the exit and the start failure, and the reap records only what
/// the kernel reported (CPU time, peak memory).</para>
/// <para>Nothing is measured for an instrument nobody listens to: every recording is behind
/// <see cref="Instrument.Enabled"/> (a field read), and the clock is read only when a duration is
/// wanted. Nothing is allocated either, and no object grows (what a child needs is kept in spare
/// bytes of objects it has anyway), so the benchmark's allocation column does not move. The one
/// thing always kept is the count of live children, an interlocked add per start and per reap, so
/// that a listener attached later reads the true number.</para>
/// <para>The process metrics of OpenTelemetry's semantic conventions (<c>process.cpu.time</c> and
/// the others) describe the process that reports them, identified by its resource attributes. What
/// Spawn reports is its children's, so its instruments are named <c>spawn.process.*</c> and keep
/// the conventions' shape (units, <c>cpu.mode</c>): under the conventional names a backend would
/// add the children's CPU time to this process's own.</para>
/// </remarks>
internal static class Telemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    internal const string Name = "Spawn";

    // Histograms carry bucket boundaries as advice (the SDK's defaults suit milliseconds, not
    // seconds or bytes): for starts, sub-millisecond to a second; for runs, 5 ms to an hour; for
    // memory, 1 MiB to 16 GiB in powers of two.

    // Attribute names: OpenTelemetry's where it has one, Spawn's own otherwise.
    internal const string SpawnPathTag = "spawn.path";
    internal const string ErrorTypeTag = "error.type";
    internal const string OutcomeTag = "spawn.outcome";
    internal const string CpuModeTag = "cpu.mode";
    internal const string StreamTag = "spawn.stream";

    // Outcome values: how a run ended.
    internal const string Success = "success";
    internal const string NonZero = "non_zero";
    internal const string Signal = "signal";
    internal const string Timeout = "timeout";
    internal const string Canceled = "canceled";
    internal const string Unknown = "unknown";
    internal const string OutOfMemory = "oom";

    private static readonly string? s_version = typeof(Telemetry).Assembly.GetName().Version?.ToString();

    /// <summary>Children started and not yet reaped (by <see cref="ChildStarted"/>, which marks them <see cref="ChildTelemetry.Live"/>).</summary>
    private static long s_liveChildren;

    internal static readonly ActivitySource Source = new(Name, s_version);

    internal static readonly Meter Meter = new(Name, s_version);

    internal static readonly Counter<long> Starts = Meter.CreateCounter<long>(
        "spawn.process.starts", "{process}", "Processes Spawn started.");

    internal static readonly Counter<long> StartFailures = Meter.CreateCounter<long>(
        "spawn.process.start_failures", "{process}", "Processes Spawn could not start.");

    internal static readonly Histogram<double> StartDuration = Meter.CreateHistogram(
        "spawn.process.start.duration", "s", "How long a start took, from the call until the child runs and is watched.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });

    internal static readonly Counter<long> Exits = Meter.CreateCounter<long>(
        "spawn.process.exits", "{process}", "Children that ended, by how their run ended.");

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "spawn.process.duration", "s", "How long a child ran, from its start to its exit.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] });

    internal static readonly Counter<double> CpuTime = Meter.CreateCounter<double>(
        "spawn.process.cpu.time", "s", "CPU time of the children Spawn reaped (and of the children they waited for).");

    internal static readonly Histogram<long> PeakMemory = Meter.CreateHistogram(
        "spawn.process.memory.peak", "By", "Peak resident set size of a reaped child, when known.", tags: null,
        new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. Enumerable.Range(0, 15).Select(i => (1L << 20) << i)] }); // 1 MiB to 16 GiB

    internal static readonly Counter<long> OutputCaptured = Meter.CreateCounter<long>(
        "spawn.output.captured", "By", "Bytes Spawn read from a command's stdout and stderr for a capture, a line stream or a sink.");

    internal static readonly ObservableUpDownCounter<long> LiveChildren = Meter.CreateObservableUpDownCounter(
        "spawn.process.count", () => Volatile.Read(ref s_liveChildren), "{process}", "Children Spawn started and has not reaped yet.");

    /// <summary>The clock reading a start begins with, or 0 when its latency is not being measured.</summary>
    internal static long StartTimestamp() => StartDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>
    /// A child exists (called before anything can reap it): it counts as live until the reap.
    /// <paramref name="exitRecordedByCommand"/>: a command started it and records its exit;
    /// <paramref name="runClock"/>: <see cref="RunClock"/> read before the spawn.
    /// </summary>
    internal static ChildTelemetry ChildStarted(bool exitRecordedByCommand, uint runClock)
    {
        Interlocked.Increment(ref s_liveChildren);
        bool timed = !exitRecordedByCommand && Duration.Enabled;
        return new ChildTelemetry(timed ? (runClock != 0 ? runClock : Milliseconds()) : 0, timed, Live: true, exitRecordedByCommand);
    }

    /// <summary>
    /// The clock reading a child's run time counts from, read before the spawn (0 when run times are
    /// not measured): the run then never measures shorter than the child lived, however long the
    /// starting thread waits for a CPU after the spawn.
    /// </summary>
    internal static uint RunClock() => Duration.Enabled ? Milliseconds() : 0;

    /// <summary>The start call returned a running child.</summary>
    internal static void Started(SpawnPath path, long startTimestamp)
    {
        if (Starts.Enabled) Starts.Add(1, new KeyValuePair<string, object?>(SpawnPathTag, PathName(path)));
        if (startTimestamp != 0 && StartDuration.Enabled)
        {
            StartDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, new KeyValuePair<string, object?>(SpawnPathTag, PathName(path)));
        }
    }

    /// <summary>A start failed with <paramref name="failure"/>.</summary>
    internal static void StartFailed(Exception failure)
    {
        if (StartFailures.Enabled) StartFailures.Add(1, new KeyValuePair<string, object?>(ErrorTypeTag, ErrorType(failure)));
    }

    /// <summary>
    /// A child's final state is known (called once per child, when it is published): it is no
    /// longer live; what the kernel reported of it is recorded, and its exit unless a command records that.
    /// </summary>
    internal static void ChildFinished(ProcessState state, ChildTelemetry child)
    {
        if (!child.Live) return;
        Interlocked.Decrement(ref s_liveChildren);
        if (CpuTime.Enabled)
        {
            if (state.UserTime is { } user) CpuTime.Add(user.TotalSeconds, new KeyValuePair<string, object?>(CpuModeTag, "user"));
            if (state.SystemTime is { } system) CpuTime.Add(system.TotalSeconds, new KeyValuePair<string, object?>(CpuModeTag, "system"));
        }
        if (state.MaxRssBytes is long peak && PeakMemory.Enabled) PeakMemory.Record(peak);
        if (!child.ExitRecordedByCommand)
        {
            TimeSpan? ran = child.Timed ? TimeSpan.FromMilliseconds(unchecked(Milliseconds() - child.StartMilliseconds)) : null;
            Exited(Outcome(state), ran);
        }
    }

    /// <summary>A child's run ended with <paramref name="outcome"/> after <paramref name="ran"/> (null when not measured).</summary>
    internal static void Exited(string outcome, TimeSpan? ran)
    {
        var tag = new KeyValuePair<string, object?>(OutcomeTag, outcome);
        if (Exits.Enabled) Exits.Add(1, tag);
        if (ran is { } time && Duration.Enabled) Duration.Record(time.TotalSeconds, tag);
    }

    /// <summary>Bytes one read took from a command's output pipe for the caller (a measurement per read: a field per pipe to add them up in would cost every run).</summary>
    internal static void Captured(int bytes, CapturedStream stream)
    {
        if (OutputCaptured.Enabled) OutputCaptured.Add(bytes, new KeyValuePair<string, object?>(StreamTag, stream == CapturedStream.Stdout ? "stdout" : "stderr"));
    }

    /// <summary>How a process ended, from its state alone.</summary>
    internal static string Outcome(ProcessState state) =>
        state.Success ? Success
        : state.Exited ? NonZero
        : state.Signal is not null ? Signal
        : Unknown;

    /// <summary>The errno name of a system call's failure ("ENOENT"), else the exception's type name.</summary>
    internal static string ErrorType(Exception failure) =>
        failure is SpawnException { ErrorName: { } errno } ? errno : failure.GetType().FullName ?? failure.GetType().Name;

    /// <summary>The live-children count, for tests.</summary>
    internal static long LiveChildCount => Volatile.Read(ref s_liveChildren);

    /// <summary>
    /// The monotonic clock in milliseconds, modulo 2^32: a difference of two readings is right for
    /// runs shorter than 49 days, and the reading fits in a wait state's spare bytes.
    /// </summary>
    private static uint Milliseconds() => unchecked((uint)(Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1000)));

    private static string PathName(SpawnPath path) => path switch
    {
        SpawnPath.LinuxClone => "linux_clone",
        SpawnPath.PidfdSpawn => "pidfd_spawn",
        _ => "posix_spawn",
    };
}

/// <summary>Which output of a command a pipe's reads are captured from, for <see cref="Telemetry.Captured"/>; one byte, which fits in a pipe's spare bytes.</summary>
internal enum CapturedStream : byte
{
    None,
    Stdout,
    Stderr,
}

/// <summary>
/// What the reap needs to know of a child for telemetry: when it started (milliseconds, when
/// <paramref name="Timed"/>), whether it counts among the live children, and whether a command
/// records its exit. The default (a wait state not made by a start) records nothing.
/// </summary>
internal readonly record struct ChildTelemetry(uint StartMilliseconds, bool Timed, bool Live, bool ExitRecordedByCommand);
