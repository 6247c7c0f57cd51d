using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Spawn.Benchmarks.Floor;
using Spawn.Benchmarks.Scenarios;

namespace Spawn.Benchmarks;

/// <summary>
/// A worker process: one scenario, one contender (or several sharing a worker). It sets up, warms
/// up, says "ready", then answers each "run CONTENDER" line from the orchestrator with one JSON
/// sample, and on "quit" (or end of input: the orchestrator is gone) kills and reaps what it holds.
/// </summary>
/// <remarks>
/// The worker's own part is synchronous on the main thread, so the thread pool holds only the
/// contender's work. The protocol runs over private copies of fds 0 and 1; fds 0 and 1 themselves are pointed at
/// /dev/null first, so children that inherit them (the floor's, Process's) never see the protocol.
/// </remarks>
internal static class Worker
{
    internal static int Run(IReadOnlyList<Scenario> scenarios, string[] args)
    {
        string scenarioName = args[0];
        string key = args[1];
        var options = BenchOptions.Parse(args[2..], []);
        Scenario scenario = scenarios.First(s => s.Name == scenarioName);

        var (input, output) = TakeProtocolFds();
        using var reader = new StreamReader(new FileStream(input, FileAccess.Read, 1));
        using var writer = new StreamWriter(new FileStream(output, FileAccess.Write, 1)) { AutoFlush = true, NewLine = "\n" };
        try
        {
            using var threads = new ThreadSampler(scenario.Figure == Figure.Throughput ? 1 : 2);
            DumpThreads("idle");
            IWorkload workload = scenario.CreateWorkload(key, options);
            try
            {
                workload.SetupAsync(threads).GetAwaiter().GetResult();
                workload.WarmupAsync().GetAwaiter().GetResult();
                DumpThreads("after warm-up");
                writer.WriteLine("ready");
                while (reader.ReadLine() is { } line && line != "quit")
                {
                    if (!line.StartsWith("run ", StringComparison.Ordinal)) throw new InvalidOperationException($"unknown command '{line}'");
                    Sample sample = workload.RunAsync(line[4..]).GetAwaiter().GetResult();
                    DumpThreads($"after run {line[4..]}");
                    writer.WriteLine(JsonSerializer.Serialize(sample));
                }
            }
            finally
            {
                // Kills and reaps whatever the workload holds.
                workload.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            writer.WriteLine("bye");
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"worker {scenarioName}/{key}: {e}");
            writer.WriteLine($"error {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    /// <summary>With BENCH_THREADS=1, lists this process's threads on stderr (to see what a count is made of).</summary>
    internal static void DumpThreads(string when)
    {
        if (Environment.GetEnvironmentVariable("BENCH_THREADS") != "1") return;
        var names = Directory.GetDirectories("/proc/self/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim()).Order();
        Console.Error.WriteLine($"threads {when}: {string.Join(", ", names)}");
    }

    private static unsafe (SafeFileHandle Input, SafeFileHandle Output) TakeProtocolFds()
    {
        int input = Native.Fcntl(0, Native.F_DUPFD_CLOEXEC, 3);
        int output = Native.Fcntl(1, Native.F_DUPFD_CLOEXEC, 3);
        if (input < 0 || output < 0) throw Native.LastError("fcntl(F_DUPFD_CLOEXEC)");
        int devNull;
        fixed (byte* path = "/dev/null\0"u8)
        {
            devNull = Native.Open(path, 2 /* O_RDWR */);
        }
        if (devNull < 0 || Native.Dup2(devNull, 0) < 0 || Native.Dup2(devNull, 1) < 0) throw Native.LastError("redirecting stdin/stdout to /dev/null");
        Native.Close(devNull);
        return (new SafeFileHandle(input, ownsHandle: true), new SafeFileHandle(output, ownsHandle: true));
    }
}
