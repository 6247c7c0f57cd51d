namespace Spawn.Benchmarks.Scenarios;

/// <summary>Scenario 1: sequential start+wait of /bin/true.</summary>
internal sealed class Sequential : Scenario
{
    internal override string Name => "sequential";

    internal override string Title => "1. Sequential start+wait of /bin/true";

    internal override Figure Figure => Figure.Rate;

    internal static int Count(BenchOptions options) => options.Quick ? 200 : 1500;

    internal override string[] ContendersFor(BenchOptions options) => Contenders.All;

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} starts per repetition, one at a time; Spawn = ProcessHandle.Start + Wait, Spawn Command = Command.RunAsync, Process = Process.Start + WaitForExit, CliWrap = ExecuteAsync.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Count(options));

    private sealed class Workload(string contender, int count) : IWorkload
    {
        private readonly StartWaitLoops _loops = new();
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            return Task.CompletedTask;
        }

        public Task WarmupAsync() => _loops.RunAsync(contender, Math.Max(50, count / 5));

        public async Task<Sample> RunAsync(string _)
        {
            var meter = Meter.Start(_threads);
            await _loops.RunAsync(contender, count).ConfigureAwait(false);
            double seconds = meter.Elapsed;
            return meter.Stop(count / seconds, count, seconds);
        }

        public ValueTask DisposeAsync()
        {
            _loops.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
