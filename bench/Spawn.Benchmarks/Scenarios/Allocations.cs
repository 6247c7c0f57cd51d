using System.Collections;
using System.Diagnostics;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Managed bytes allocated per sequential start+wait of /bin/true, with the environment handled
/// alike on both sides: read at every start (Spawn's default; a new ProcessStartInfo per start),
/// or copied once and reused (Spawn's StartOptions.Environment; one ProcessStartInfo reused, whose
/// Environment is copied at its first use). The other scenarios' alloc column compares Spawn's
/// per-start reading with Process's reused ProcessStartInfo.
/// </summary>
internal sealed class Allocations : Scenario
{
    internal const string SpawnEnvironmentOnce = "Spawn, environment once";
    internal const string ProcessFreshStartInfo = "Process, new ProcessStartInfo";
    internal const string ProcessReusedStartInfo = "Process, one ProcessStartInfo";

    internal override string Name => "alloc";

    internal override string Title => "1c. Allocations per start+wait, the environment handled alike";

    internal override Figure Figure => Figure.Allocation;

    internal override string? Baseline => ProcessReusedStartInfo;

    private static int Count(BenchOptions options) => options.Quick ? 200 : 1000;

    internal override string[] ContendersFor(BenchOptions options) =>
        [Contenders.Spawn, SpawnEnvironmentOnce, Contenders.SpawnCommand, ProcessFreshStartInfo, ProcessReusedStartInfo];

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} sequential starts of /bin/true per repetition. Environment read at every start: Spawn = ProcessHandle.Start + Wait, " +
        "Spawn Command = Command.RunAsync, Process = a new ProcessStartInfo per Process.Start + WaitForExit. Environment copied once: Spawn = one " +
        "StartOptions reused, its Environment taken from Environment.GetEnvironmentVariables() at set-up; Process = one ProcessStartInfo reused " +
        "(as in the other scenarios). Ratios are against the last.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Count(options));

    private sealed class Workload(string contender, int count) : IWorkload
    {
        private readonly ProcessStartInfo _reusedStartInfo = new(Programs.True) { UseShellExecute = false };
        private readonly Spawn.Command _command = new(Programs.True);
        private StartOptions _environmentOnce = null!;
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            var environment = new List<string>();
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables()) environment.Add($"{variable.Key}={variable.Value}");
            _environmentOnce = new StartOptions { Environment = environment };
            return Task.CompletedTask;
        }

        public Task WarmupAsync() => LoopAsync(Math.Max(50, count / 5));

        public async Task<Sample> RunAsync(string _)
        {
            var meter = Meter.Start(_threads);
            await LoopAsync(count).ConfigureAwait(false);
            double seconds = meter.Elapsed;
            Sample sample = meter.Stop(0, count, seconds);
            sample.Value = sample.AllocatedBytes / (double)count;
            sample.Other = count / seconds;
            return sample;
        }

        private async Task LoopAsync(int n)
        {
            for (int i = 0; i < n; i++)
            {
                switch (contender)
                {
                    case Contenders.Spawn:
                        SpawnOnce(null);
                        break;
                    case SpawnEnvironmentOnce:
                        SpawnOnce(_environmentOnce);
                        break;
                    case Contenders.SpawnCommand:
                        await _command.RunAsync().ConfigureAwait(false);
                        break;
                    case ProcessFreshStartInfo:
                        ProcessOnce(new ProcessStartInfo(Programs.True) { UseShellExecute = false });
                        break;
                    case ProcessReusedStartInfo:
                        ProcessOnce(_reusedStartInfo);
                        break;
                    default:
                        throw new ArgumentException($"unknown contender {contender}");
                }
            }
        }

        private static void SpawnOnce(StartOptions? options)
        {
            using ProcessHandle child = ProcessHandle.Start(Programs.True, Programs.TrueArgv, options);
            if (child.Wait().ExitCode != 0) throw new InvalidOperationException("Spawn: /bin/true failed");
        }

        private static void ProcessOnce(ProcessStartInfo startInfo)
        {
            using var process = System.Diagnostics.Process.Start(startInfo)!;
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException("Process: /bin/true failed");
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
