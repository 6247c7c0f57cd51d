namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Scenario 7: managed bytes retained per live child with 1,000 children, from
/// GC.GetTotalMemory(true) before and after starting them, everything kept reachable.
/// </summary>
internal sealed class Memory : Scenario
{
    internal const int Children = 1000;

    internal override string Name => "memory";

    internal override string Title => "7. Managed memory retained per live child (1,000 children)";

    internal override Figure Figure => Figure.Retained;

    internal override string? Baseline => Contenders.Process;

    /// <summary>1,000 starts and kills per contender and repetition: a quick run does two.</summary>
    internal override int Repetitions(BenchOptions options) => options.Quick ? Math.Min(2, options.Repetitions) : options.Repetitions;

    internal override string[] ContendersFor(BenchOptions options) => Contenders.All;

    internal override string Describe(BenchOptions options) =>
        $"Each repetition: GC.GetTotalMemory(true), start {Children:N0} × `sleep {Programs.SleepSeconds}` into a preallocated array, GC.GetTotalMemory(true) again; " +
        "then kill and reap them. Retained = the difference / 1,000. The ratio column is against System.Diagnostics.Process (the floor keeps only ints).";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey);

    private sealed class Workload(string contender) : IWorkload
    {
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            return Task.CompletedTask;
        }

        public async Task WarmupAsync()
        {
            var held = new HeldChildren(contender, 50);
            await using (held.ConfigureAwait(false))
            {
                held.StartAll();
            }
        }

        public async Task<Sample> RunAsync(string _)
        {
            var held = new HeldChildren(contender, Children);
            await using (held.ConfigureAwait(false))
            {
                long before = GC.GetTotalMemory(forceFullCollection: true);
                var meter = Meter.Start(_threads);
                held.StartAll();
                double seconds = meter.Elapsed;
                Sample sample = meter.Stop(0, Children, seconds);
                long after = GC.GetTotalMemory(forceFullCollection: true);
                sample.Value = (after - before) / (double)Children;
                GC.KeepAlive(held);
                return sample;
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
