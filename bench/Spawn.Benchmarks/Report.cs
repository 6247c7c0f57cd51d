using System.Globalization;
using Spawn.Benchmarks.Scenarios;

namespace Spawn.Benchmarks;

internal static class Stats
{
    internal static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>Nearest-rank percentile.</summary>
    internal static double Percentile(IEnumerable<double> values, double percent)
    {
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0) return double.NaN;
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>The Markdown tables and the closing check against the targets.</summary>
internal static class Report
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    internal static void PrintTable(Scenario scenario, Dictionary<string, List<Sample>> samples, BenchOptions options)
    {
        string baseline = scenario.Baseline ?? "";
        double? baseValue = samples.TryGetValue(baseline, out var b) && b.Count > 0 ? Stats.Median(b.Select(s => s.Value)) : null;
        string against = baseline == Contenders.Floor ? "floor" : baseline;
        (string[] Header, Func<string, List<Sample>, string[]> Row) table = scenario.Figure switch
        {
            Figure.Rate => (
                ["contender", "starts/s (median)", "min-max", $"vs {against}", "threads peak (+idle)", "alloc/process"],
                (c, s) => [c, Rate(Med(s)), Range(s, Rate), Ratio(Med(s), baseValue), Threads(s), Alloc(s)]),
            Figure.HeldRate => (
                ["contender", "starts/s held (median)", "min-max", $"vs {against}", "starts/s idle", "held ÷ idle (median)", "threads peak (+idle)", "alloc/process"],
                (c, s) => [c, Rate(Med(s)), Range(s, Rate), Ratio(Med(s), baseValue), Rate(Stats.Median(s.Select(x => x.Other ?? double.NaN))),
                    Fixed(Stats.Median(s.Select(x => x.Value / (x.Other ?? double.NaN)))) + "x", Threads(s), Alloc(s)]),
            Figure.Time => (
                ["contender", "time (median)", "min-max", "time vs floor", "MB/s", "threads peak (+idle)", "alloc/process"],
                (c, s) => [c, Ms(Med(s)), Range(s, Ms), Ratio(Med(s), baseValue), (Capture.Bytes / 1e6 / Med(s)).ToString("0", Invariant), Threads(s), Alloc(s)]),
            Figure.Throughput => (
                ["contender", "MB/s (median)", "min-max", "vs floor", "threads peak (+idle)", "peak − count at run start", "alloc/process"],
                (c, s) => [c, Med(s).ToString("0", Invariant), Range(s, v => v.ToString("0", Invariant)), Ratio(Med(s), baseValue), Threads(s), AddedDuringRun(s), Alloc(s)]),
            Figure.Latency => (
                ["contender", "median µs", "p99 µs (all samples)", "min-max of medians", "median vs floor", "threads peak (+idle)", "alloc/kill"],
                (c, s) => [c, Us(Med(s)), Us(Stats.Percentile(s.SelectMany(x => x.Latencies ?? []), 99)), Range(s, Us), Ratio(Med(s), baseValue), Threads(s), Alloc(s)]),
            Figure.Retained => (
                ["contender", "retained/child (median)", "min-max", $"vs {against}", "alloc/process", "threads peak (+idle)"],
                (c, s) => [c, Bytes(Med(s)), Range(s, Bytes), Ratio(Med(s), baseValue), Alloc(s), Threads(s)]),
            Figure.Neighbour => (
                ["configuration", "Process starts/s (median)", "min-max", "vs Spawn idle", "neighbour starts/s", "threads peak (+idle)"],
                (c, s) => [c, Rate(Med(s)), Range(s, Rate), Ratio(Med(s), baseValue), s.All(x => x.Other is null) ? "-" : Rate(Stats.Median(s.Select(x => x.Other ?? 0))), Threads(s)]),
            Figure.Allocation => (
                ["contender", "alloc/process (median)", "min-max", $"vs {against}", "starts/s (median)", "threads peak (+idle)"],
                (c, s) => [c, Bytes(Med(s)), Range(s, Bytes), Ratio(Med(s), baseValue), Rate(Stats.Median(s.Select(x => x.Other ?? double.NaN))), Threads(s)]),
            Figure.PerRun => (
                ["contender", "wall time per run (median)", "min-max", $"vs {against}"],
                (c, s) => [c, Ms(Med(s), "0.0"), Range(s, v => Ms(v, "0.0")), Ratio(Med(s), baseValue)]),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        var (header, row) = table;
        var rows = samples.Select(kv => row(kv.Key, kv.Value)).ToList();
        int[] widths = [.. header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length)))];
        Console.WriteLine(Line(header, widths));
        Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (string[] r in rows) Console.WriteLine(Line(r, widths));
    }

    private static string Line(string[] cells, int[] widths) =>
        "| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |";

    private static double Med(List<Sample> s) => Stats.Median(s.Select(x => x.Value));

    private static string Range(List<Sample> s, Func<double, string> format) => $"{format(s.Min(x => x.Value))}-{format(s.Max(x => x.Value))}";

    private static string Ratio(double value, double? baseline) => baseline is { } b && b > 0 ? (value / b).ToString("0.00", Invariant) + "x" : "-";

    private static string Fixed(double value) => value.ToString("0.00", Invariant);

    private static string Rate(double value) => value.ToString("0", Invariant);

    private static string Ms(double seconds) => Ms(seconds, "0");

    private static string Ms(double seconds, string format) => (seconds * 1000).ToString(format, Invariant) + " ms";

    private static string Us(double micros) => micros.ToString(micros < 100 ? "0.0" : "0", Invariant);

    private static string Threads(List<Sample> s)
    {
        if (s.All(x => x.External)) return "-";
        int peak = s.Max(x => x.PeakThreads);
        return $"{peak} (+{peak - s[0].IdleThreads})";
    }

    /// <summary>
    /// The most threads a repetition added to what the process already had when it began (after
    /// warm-up: the thread pool's gate and minimum workers, Spawn's reactor): what the work itself grew.
    /// </summary>
    private static string AddedDuringRun(List<Sample> s) => s.All(x => x.External) ? "-" : "+" + s.Max(x => x.PeakThreads - x.StartThreads);

    private static string Alloc(List<Sample> s) =>
        s.All(x => x.External) ? "-" : Bytes(Stats.Median(s.Select(x => x.AllocatedBytes / (double)Math.Max(1, x.Processes))));

    internal static string Bytes(double bytes) => Math.Abs(bytes) switch
    {
        >= 10 * 1024 * 1024 => (bytes / (1024 * 1024)).ToString("0", Invariant) + " MiB",
        >= 10 * 1024 => (bytes / 1024).ToString("0", Invariant) + " KiB",
        _ => bytes.ToString("0", Invariant) + " B",
    };

    /// <summary>The targets, each with its figure from this run and whether it is met.</summary>
    internal static void PrintTargets(Results results)
    {
        Console.WriteLine("## Targets");
        Console.WriteLine();
        Console.WriteLine("| target | measured | met |");
        Console.WriteLine("|---|---:|:---:|");

        double? Median(string scenario, string contender, Func<Sample, double>? pick = null) =>
            results.Get(scenario, contender) is { Count: > 0 } s ? Stats.Median(s.Select(pick ?? (x => x.Value))) : null;

        // met null: a figure for comparison, not a target (its verdict column shows "-").
        void Target(string what, double? value, Func<double, bool>? met, Func<double, string> format)
        {
            if (value is not { } v || double.IsNaN(v)) return;
            string verdict = met is null ? "-" : met(v) ? "yes" : "**no**";
            Console.WriteLine($"| {what} | {format(v)} | {verdict} |");
        }

        static string X(double v) => v.ToString("0.00", Invariant) + "x";

        Target("1. sequential: Spawn ≥ 0.95x floor", Median("sequential", Contenders.Spawn) / Median("sequential", Contenders.Floor), v => v >= 0.95, X);
        Target("1b. sequential: Spawn ≥ 1.0x C posix_spawn loop", Median("c-loop", Contenders.Spawn) / Median("c-loop", Contenders.CLoop), v => v >= 1.0, X);
        Target("2. 64 in flight: Spawn ≥ 0.95x floor", Median("inflight", Contenders.Spawn) / Median("inflight", Contenders.Floor), v => v >= 0.95, X);
        Target("3. 1,000 held: Spawn ≥ 0.95x its idle rate", Median("held", Contenders.Spawn, x => x.Value / (x.Other ?? double.NaN)), v => v >= 0.95, X);
        Target("3. 10,000 held: Spawn ≥ 0.95x its idle rate", Median("held10k", Contenders.Spawn, x => x.Value / (x.Other ?? double.NaN)), v => v >= 0.95, X);
        Target("3. 1,000 held: Spawn held ≥ 0.95x the C loop holding as many", Median("held", Contenders.Spawn) / Median("held", Contenders.CLoop), v => v >= 0.95, X);
        Target("3. 10,000 held: Spawn held ≥ 0.95x the C loop holding as many", Median("held10k", Contenders.Spawn) / Median("held10k", Contenders.CLoop), v => v >= 0.95, X);
        Target("3. (comparison) 1,000 held: C loop held ÷ its idle", Median("held", Contenders.CLoop, x => x.Value / (x.Other ?? double.NaN)), null, X);
        Target("3. (comparison) 10,000 held: C loop held ÷ its idle", Median("held10k", Contenders.CLoop, x => x.Value / (x.Other ?? double.NaN)), null, X);
        Target("4. capture 100 MB: Spawn within 1.2x of floor's time", Median("capture", Contenders.Spawn) / Median("capture", Contenders.Floor), v => v <= 1.2, X);
        Target("4. capture 100 MB without the copy: Spawn, pooled allocates ≤ 1.05x the payload",
            Median("capture", Capture.SpawnPooled, x => x.AllocatedBytes / (double)Math.Max(1, x.Processes)) / Capture.Bytes, v => v <= 1.05, X);
        if (results.Get("stream", Contenders.Spawn) is { Count: > 0 } stream)
        {
            int extra = stream.Max(x => x.PeakThreads) - stream[0].IdleThreads;
            Target("5. 256 streams: Spawn's peak threads ≤ idle + 4", extra, v => v <= 4, v => $"+{v:0}");
            Target("5. (for comparison) threads added during a run, above the count at its start (after warm-up)",
                stream.Max(x => x.PeakThreads - x.StartThreads), null, v => $"+{v:0}");
        }
        Target("6. exit latency: Spawn's median < 100 µs", Median("latency", Contenders.Spawn), v => v < 100, v => v.ToString("0.0", Invariant) + " µs");
        Target("7. retained per live child: Spawn ≤ 1/3 of Process", Median("memory", Contenders.Spawn) / Median("memory", Contenders.Process), v => v <= 1 / 3.0, X);
        foreach (string scenario in new[] { "sequential", "inflight", "held", "latency", "memory" })
        {
            Func<Sample, double> perProcess = x => x.AllocatedBytes / (double)Math.Max(1, x.Processes);
            Target($"allocations per process ({scenario}): Spawn ≤ 1/3 of Process",
                Median(scenario, Contenders.Spawn, perProcess) / Median(scenario, Contenders.Process, perProcess), v => v <= 1 / 3.0, X);
        }
        Target("allocations, environment read at every start: Spawn ≤ 1/3 of Process with a new ProcessStartInfo",
            Median("alloc", Contenders.Spawn) / Median("alloc", Allocations.ProcessFreshStartInfo), v => v <= 1 / 3.0, X);
        Target("allocations, environment copied once: Spawn ≤ 1/3 of Process with one ProcessStartInfo",
            Median("alloc", Allocations.SpawnEnvironmentOnce) / Median("alloc", Allocations.ProcessReusedStartInfo), v => v <= 1 / 3.0, X);
        // The command layer at the floor, tail latency, streaming, the neighbour (round two).
        Target("1. sequential: Spawn Command ≥ 0.95x floor", Median("sequential", Contenders.SpawnCommand) / Median("sequential", Contenders.Floor), v => v >= 0.95, X);
        Target("2. 64 in flight: Spawn Command ≥ 0.95x floor", Median("inflight", Contenders.SpawnCommand) / Median("inflight", Contenders.Floor), v => v >= 0.95, X);
        Target("1c. allocations per run: Spawn Command ≤ 1/3 of Process with a new ProcessStartInfo",
            Median("alloc", Contenders.SpawnCommand) / Median("alloc", Allocations.ProcessFreshStartInfo), v => v <= 1 / 3.0, X);
        Target("7. retained per live ChildProcess ≤ Process's", Median("memory", Contenders.SpawnCommand) / Median("memory", Contenders.Process), v => v <= 1, X);
        double? P99(string contender) => results.Get("latency", contender) is { Count: > 0 } s ? Stats.Percentile(s.SelectMany(x => x.Latencies ?? []), 99) : null;
        Target("6. exit latency p99: ProcessHandle.WaitAsync within 1.2x of the floor's p99", P99(Contenders.Spawn) / P99(Contenders.Floor), v => v <= 1.2, X);
        Target("6. exit latency p99: ChildProcess.WaitAsync within 1.2x of the floor's p99", P99(Contenders.SpawnCommand) / P99(Contenders.Floor), v => v <= 1.2, X);
        Target("6. exit latency p99: ProcessHandle.WaitAsync(ExitContinuation.Inline) within 1.2x of the floor's p99", P99(ExitLatency.SpawnInline) / P99(Contenders.Floor), v => v <= 1.2, X);
        Target("6. exit latency p99: ChildProcess.WaitAsync, ExitContinuation.Inline, within 1.2x of the floor's p99", P99(ExitLatency.SpawnCommandInline) / P99(Contenders.Floor), v => v <= 1.2, X);
        Target("5. 256 streams: Spawn ≥ 0.95x the floor's MB/s", Median("stream", Contenders.Spawn) / Median("stream", Contenders.Floor), v => v >= 0.95, X);
        Target("8. Process beside a Spawn loop ≥ Process beside a second Process loop",
            Median("neighbour", Neighbour.WithSpawn) / Median("neighbour", Neighbour.WithProcess), v => v >= 1.0, X);
        Target("1d. (cost) Spawn with a telemetry listener vs none, starts/s",
            Median("telemetry", TelemetryListener.HandleListened) / Median("telemetry", TelemetryListener.Handle), null, X);
        Target("1d. (cost) Spawn Command with a telemetry listener vs none, starts/s",
            Median("telemetry", TelemetryListener.CommandListened) / Median("telemetry", TelemetryListener.Command), null, X);
        Func<Sample, double> bytesPerProcess = x => x.AllocatedBytes / (double)Math.Max(1, x.Processes);
        static string Bytes(double v) => v.ToString("+0;-0", Invariant) + " B";
        Target("1d. (cost) bytes a telemetry listener adds per Spawn start+wait",
            Median("telemetry", TelemetryListener.HandleListened, bytesPerProcess) - Median("telemetry", TelemetryListener.Handle, bytesPerProcess), null, Bytes);
        Target("1d. (cost) bytes a telemetry listener adds per Spawn Command run",
            Median("telemetry", TelemetryListener.CommandListened, bytesPerProcess) - Median("telemetry", TelemetryListener.Command, bytesPerProcess), null, Bytes);
        Target("8. Process beside a Spawn loop ≥ 0.95x its rate with Spawn idle",
            Median("neighbour", Neighbour.WithSpawn) / Median("neighbour", Neighbour.Alone), v => v >= 0.95, X);
        Target("8. (comparison) Process beside a second Process loop, vs alone",
            Median("neighbour", Neighbour.WithProcess) / Median("neighbour", Neighbour.Alone), null, X);
        Target("11. `spawn run -- true` (AOT) wall time ≤ 3x `timeout 5 true`",
            Median("tool-start", ToolStart.Aot) / Median("tool-start", ToolStart.Timeout), v => v <= 3, X);
    }
}
