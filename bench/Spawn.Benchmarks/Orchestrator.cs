using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Spawn.Benchmarks.Scenarios;

namespace Spawn.Benchmarks;

/// <summary>
/// Runs the chosen scenarios: for each, one worker per contender, repetitions in which every
/// contender runs once (the order rotating from one repetition to the next, so machine drift hits
/// all alike), then the table. Prints Markdown, ready to paste into docs/benchmarks.md.
/// </summary>
internal static class Orchestrator
{
    internal static async Task<int> RunAsync(BenchOptions options)
    {
        var started = Stopwatch.StartNew();
        PrintHeader(options);
        var results = new Results();
        int failures = 0;
        foreach (Scenario scenario in options.Scenarios)
        {
            Console.WriteLine();
            Console.WriteLine($"## {scenario.Title}");
            Console.WriteLine();
            Console.WriteLine(scenario.Describe(options));
            Console.WriteLine();
            if (scenario is CLoop && await CLoop.CompileAsync().ConfigureAwait(false) is { } skipped)
            {
                Console.WriteLine($"Skipped: {skipped}.");
                continue;
            }
            if (scenario is Held)
            {
                // The C loop holding the same children joins the scenario when it compiles.
                File.Delete(CLoop.BinaryPath);
                if (await CLoop.CompileAsync().ConfigureAwait(false) is { } noCLoop) Console.WriteLine($"Without the C loop: {noCLoop}.");
            }
            if (scenario is ToolStart && ToolStart.Missing() is { } missing)
            {
                Console.WriteLine($"Skipped: {missing}.");
                continue;
            }
            string loadBefore = LoadAverage();
            var scenarioClock = Stopwatch.StartNew();
            Dictionary<string, List<Sample>> samples;
            try
            {
                samples = await RunScenarioAsync(scenario, options).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                Console.WriteLine($"**Failed**: {e.Message}");
                failures++;
                continue;
            }
            results.Add(scenario, samples);
            Report.PrintTable(scenario, samples, options);
            Console.WriteLine();
            Console.WriteLine($"({scenario.Repetitions(options)} repetitions, {scenarioClock.Elapsed.TotalSeconds:0} s; load average {loadBefore} before, {LoadAverage()} after)");
        }
        Console.WriteLine();
        Report.PrintTargets(results);
        Console.WriteLine();
        Console.WriteLine($"Total time: {started.Elapsed.TotalMinutes:0.0} min.");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<Dictionary<string, List<Sample>>> RunScenarioAsync(Scenario scenario, BenchOptions options)
    {
        string[] contenders = scenario.ContendersFor(options);
        var samples = contenders.ToDictionary(c => c, _ => new List<Sample>());
        // Workers start one at a time (each warms up alone), then stay idle between their turns.
        var workers = new Dictionary<string, WorkerClient>();
        try
        {
            foreach (string key in contenders.Select(scenario.WorkerKey).Distinct())
            {
                workers[key] = await WorkerClient.StartAsync(scenario, key, options).ConfigureAwait(false);
            }
            for (int rep = 0; rep < scenario.Repetitions(options); rep++)
            {
                for (int k = 0; k < contenders.Length; k++)
                {
                    string contender = contenders[(k + rep) % contenders.Length];
                    long begin = Stopwatch.GetTimestamp();
                    Sample sample = await workers[scenario.WorkerKey(contender)].RunAsync(contender).ConfigureAwait(false);
                    samples[contender].Add(sample);
                    Progress(scenario, rep, contender, sample, Stopwatch.GetElapsedTime(begin));
                }
            }
        }
        finally
        {
            // Each worker kills and reaps what it holds before it answers "bye".
            foreach (WorkerClient worker in workers.Values) await worker.DisposeAsync().ConfigureAwait(false);
        }
        return samples;
    }

    /// <summary>One line per repetition on stderr, so a long run shows where it is.</summary>
    private static void Progress(Scenario scenario, int rep, string contender, Sample sample, TimeSpan wall) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [{scenario.Name} rep {rep + 1}] {contender}: {sample.Value:0.###} (measured {sample.Seconds:0.00} s, round trip {wall.TotalSeconds:0.00} s)"));

    private static void PrintHeader(BenchOptions options)
    {
        Console.WriteLine("# Spawn benchmarks");
        Console.WriteLine();
        Console.WriteLine($"- date: {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
        Console.WriteLine($"- machine: {CpuModel()}, {Environment.ProcessorCount} logical CPUs, {MemoryGiB()} GiB RAM, kernel {KernelRelease()}, pid_max {ReadTrimmed("/proc/sys/kernel/pid_max")}");
        Console.WriteLine($"- runtime: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.RuntimeIdentifier}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
        Console.WriteLine($"- Spawn: {(ProcessHandle.UsesPidfd ? "handle mode (pidfd)" : "PID mode")}, spawn path {ProcessHandle.SpawnPath}; CliWrap {typeof(CliWrap.Cli).Assembly.GetName().Version}");
        Console.WriteLine($"- run: {(options.Quick ? "--quick" : "full")}, {options.Repetitions} repetitions per scenario, every contender in a worker process of its own; load average at start {LoadAverage()}");
    }

    internal static string LoadAverage() => string.Join(' ', ReadTrimmed("/proc/loadavg").Split(' ').Take(3));

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";

    private static string MemoryGiB()
    {
        string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        long kib = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (kib / 1024.0 / 1024.0).ToString("0", CultureInfo.InvariantCulture);
    }

    private static string KernelRelease() => ReadTrimmed("/proc/sys/kernel/osrelease");

    private static string ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }
}

/// <summary>Every scenario's samples, for the closing check against the targets.</summary>
internal sealed class Results
{
    private readonly Dictionary<string, Dictionary<string, List<Sample>>> _byScenario = [];

    internal void Add(Scenario scenario, Dictionary<string, List<Sample>> samples) => _byScenario[scenario.Name] = samples;

    internal List<Sample>? Get(string scenario, string contender) =>
        _byScenario.TryGetValue(scenario, out var samples) && samples.TryGetValue(contender, out var list) ? list : null;
}
