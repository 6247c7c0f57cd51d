using System.Diagnostics;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// The `spawn` tool's start-up against GNU timeout's: wall time of `spawn run -- true` (the Native
/// AOT binary, and the JIT build where present) against `timeout 5 true`, each run back to back by
/// the same launcher. Skipped with a message when the AOT binary has not been published.
/// </summary>
internal sealed class ToolStart : Scenario
{
    internal const string Timeout = "timeout 5 true";
    internal const string Aot = "spawn run -- true (AOT)";
    internal const string Jit = "spawn run -- true (JIT)";

    internal override string Name => "tool-start";

    internal override string Title => "11. The spawn tool's start-up: `spawn run -- true` against `timeout 5 true`";

    internal override Figure Figure => Figure.PerRun;

    internal override string? Baseline => Timeout;

    private static int Count(BenchOptions options) => options.Quick ? 10 : 20;

    /// <summary>The published AOT binary: $SPAWN_TOOL_AOT, else artifacts/spawn-linux-x64/Spawn.Cli under the repository.</summary>
    internal static string AotPath => Environment.GetEnvironmentVariable("SPAWN_TOOL_AOT") is { Length: > 0 } path ? path : Path.Combine(RepositoryRoot, "artifacts", "spawn-linux-x64", "Spawn.Cli");

    private static string JitPath => Path.Combine(RepositoryRoot, "src", "Spawn.Cli", "bin", "Release", "net10.0", "Spawn.Cli");

    private static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (Directory.Exists(Path.Combine(directory.FullName, "src", "Spawn.Cli"))) return directory.FullName;
            }
            return AppContext.BaseDirectory;
        }
    }

    /// <summary>Null when the scenario can run, else why it is skipped.</summary>
    internal static string? Missing() => File.Exists(AotPath)
        ? null
        : $"no AOT binary at {AotPath}; publish it with `dotnet publish src/Spawn.Cli -c Release -r linux-x64 -o artifacts/spawn-linux-x64` (or set SPAWN_TOOL_AOT)";

    internal override string[] ContendersFor(BenchOptions options) => File.Exists(JitPath) ? [Timeout, Aot, Jit] : [Timeout, Aot];

    internal override string WorkerKey(string contender) => "tools";

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} runs back to back per repetition, each started and waited for by Spawn's Command from one worker; the figure is wall time per run. " +
        $"GNU: `/usr/bin/timeout 5 /bin/true`. AOT: `{AotPath} run -- /bin/true`. JIT: the `dotnet build` output (`src/Spawn.Cli/bin/Release/net10.0/Spawn.Cli run -- /bin/true`), where built. Target: AOT at most 3x GNU.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(Count(options));

    private sealed class Workload(int count) : IWorkload
    {
        public Task SetupAsync(ThreadSampler threads) => Task.CompletedTask;

        public async Task WarmupAsync()
        {
            foreach (string contender in new[] { Timeout, Aot, Jit })
            {
                if (contender != Jit || File.Exists(JitPath)) await RunOnceAsync(contender).ConfigureAwait(false);
            }
        }

        public async Task<Sample> RunAsync(string contender)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++) await RunOnceAsync(contender).ConfigureAwait(false);
            double seconds = clock.Elapsed.TotalSeconds;
            return new Sample { Value = seconds / count, Seconds = seconds, Processes = count, External = true };
        }

        private static async Task RunOnceAsync(string contender)
        {
            Spawn.Command command = contender switch
            {
                Timeout => new Spawn.Command("/usr/bin/timeout", "5", Programs.True),
                Aot => new Spawn.Command(AotPath, "run", "--", Programs.True),
                _ => new Spawn.Command(JitPath, "run", "--", Programs.True),
            };
            CommandResult result = await command.RunAsync().ConfigureAwait(false);
            if (result.ExitCode != 0) throw new InvalidOperationException($"{contender} exited with {result.ExitCode}");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
