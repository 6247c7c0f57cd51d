namespace Spawn.Benchmarks.Scenarios;

/// <summary>The contenders, by the names the tables show.</summary>
internal static class Contenders
{
    internal const string Floor = "floor";
    internal const string Spawn = "Spawn";
    internal const string SpawnCommand = "Spawn Command";
    internal const string Process = "Process";
    internal const string CliWrap = "CliWrap";
    internal const string CLoop = "C loop";

    /// <summary>Every library, handle and command layer of Spawn both.</summary>
    internal static readonly string[] All = [Floor, Spawn, SpawnCommand, Process, CliWrap];
}

/// <summary>How a scenario's main figure reads, which decides the table's columns and ratios.</summary>
internal enum Figure
{
    /// <summary>Processes per second; higher is better; ratio = rate / floor rate.</summary>
    Rate,

    /// <summary>Rate, plus the same contender's idle rate measured in the same repetition.</summary>
    HeldRate,

    /// <summary>Seconds per run; lower is better; ratio = time / floor time.</summary>
    Time,

    /// <summary>Megabytes per second; higher is better.</summary>
    Throughput,

    /// <summary>Microseconds; lower is better; median and 99th percentile.</summary>
    Latency,

    /// <summary>Managed bytes retained per live child; lower is better.</summary>
    Retained,

    /// <summary>Process's loop rate beside a neighbour, against its rate alone.</summary>
    Neighbour,

    /// <summary>Managed bytes allocated per process; lower is better; the rate as a second figure.</summary>
    Allocation,

    /// <summary>Seconds per run of a whole program; lower is better; ratio = time / baseline's time.</summary>
    PerRun,
}

/// <summary>
/// One benchmark scenario: what the orchestrator runs (contenders, repetitions, table) and, in a
/// worker process, the workload of one contender.
/// </summary>
internal abstract class Scenario
{
    /// <summary>The name picked on the command line.</summary>
    internal abstract string Name { get; }

    internal abstract string Title { get; }

    internal abstract Figure Figure { get; }

    internal abstract string[] ContendersFor(BenchOptions options);

    /// <summary>One line saying exactly what runs, with the sizes in use.</summary>
    internal abstract string Describe(BenchOptions options);

    /// <summary>Contenders that share one worker process map to one key.</summary>
    internal virtual string WorkerKey(string contender) => contender;

    /// <summary>Repetitions of this scenario (the command line's, unless a quick run needs fewer here).</summary>
    internal virtual int Repetitions(BenchOptions options) => options.Repetitions;

    /// <summary>Worker side: the workload for <paramref name="workerKey"/>.</summary>
    internal abstract IWorkload CreateWorkload(string workerKey, BenchOptions options);

    /// <summary>The contender whose figure the others are divided by (the floor, where there is one).</summary>
    internal virtual string? Baseline => Contenders.Floor;
}

/// <summary>One contender's part of a scenario, inside its worker process.</summary>
internal interface IWorkload : IAsyncDisposable
{
    /// <summary>Once per worker, not measured.</summary>
    Task SetupAsync(ThreadSampler threads);

    /// <summary>Once per worker after set-up: JIT, tiering, first-use costs; not measured.</summary>
    Task WarmupAsync();

    /// <summary>One repetition of <paramref name="contender"/>.</summary>
    Task<Sample> RunAsync(string contender);
}

/// <summary>The programs the scenarios start, by absolute path, identical for every contender.</summary>
internal static class Programs
{
    internal const string True = "/bin/true";
    internal const string Sleep = "/bin/sleep";
    internal const string Head = "/usr/bin/head";
    internal const string Shell = "/bin/sh";

    /// <summary>How long held children sleep: longer than any scenario, short enough not to linger if a worker is killed.</summary>
    internal const string SleepSeconds = "600";

    internal static readonly string[] TrueArgv = ["true"];
    internal static readonly string[] SleepArgv = ["sleep", SleepSeconds];
}
