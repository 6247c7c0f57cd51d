namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Issue 8's scenario: System.Diagnostics.Process holds 1,000 live children and runs its own
/// start+wait loop of /bin/true; beside it on another thread runs nothing, a Spawn loop, or a
/// second Process loop. All three in one worker process, alternating, with the same held children.
/// </summary>
internal sealed class Neighbour : Scenario
{
    internal const string Alone = "Process, Spawn idle";
    internal const string WithSpawn = "Process + Spawn loop";
    internal const string WithProcess = "Process + Process loop";
    private const int Hold = 1000;

    internal override string Name => "neighbour";

    internal override string Title => "8. Process holding 1,000 children, its loop beside a Spawn loop";

    internal override Figure Figure => Figure.Neighbour;

    internal override string? Baseline => Alone;

    private static int Count(BenchOptions options) => options.Quick ? 200 : 1500;

    internal override string[] ContendersFor(BenchOptions options) => [Alone, WithSpawn, WithProcess];

    internal override string WorkerKey(string contender) => "shared";

    internal override string Describe(BenchOptions options) =>
        $"One worker: Process.Start holds {Hold:N0} × `sleep {Programs.SleepSeconds}`; then, alternating, Process.Start + WaitForExit of /bin/true {Count(options)} times " +
        "with nothing beside it (Spawn loaded and idle), beside a thread looping ProcessHandle.Start + Wait, or beside a thread looping Process.Start + WaitForExit. " +
        "The figure is the measured Process loop's rate; the neighbour column is the other thread's rate.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(Count(options));

    private sealed class Workload(int count) : IWorkload
    {
        private readonly StartWaitLoops _loops = new();
        private HeldChildren? _held;
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            _ = ProcessHandle.UsesPidfd; // Spawn loaded and initialised, idle
            _held = new HeldChildren(Contenders.Process, Hold);
            _held.StartAll();
            // Measured settled, as the held scenarios are: every held child asleep in sleep.
            return Settle.ChildrenAsync(Hold, Settle.PauseMilliseconds(Hold));
        }

        public async Task WarmupAsync()
        {
            foreach (string configuration in new[] { Alone, WithSpawn, WithProcess })
            {
                await RunAsync(configuration, Math.Max(50, count / 10)).ConfigureAwait(false);
            }
        }

        public Task<Sample> RunAsync(string contender) => RunAsync(contender, count);

        private Task<Sample> RunAsync(string configuration, int iterations)
        {
            Action? neighbour = configuration switch
            {
                Alone => null,
                WithSpawn => _loops.SpawnOnce,
                WithProcess => _loops.ProcessOnce,
                _ => throw new ArgumentException($"unknown configuration {configuration}"),
            };
            long neighbourCount = 0;
            long neighbourStart = 0;
            long neighbourEnd = 0;
            var stop = new ManualResetEventSlim();
            Thread? thread = null;
            if (neighbour is not null)
            {
                thread = new Thread(() =>
                {
                    neighbourStart = System.Diagnostics.Stopwatch.GetTimestamp();
                    while (!stop.IsSet)
                    {
                        neighbour();
                        neighbourCount++;
                    }
                    neighbourEnd = System.Diagnostics.Stopwatch.GetTimestamp();
                }) { IsBackground = true, Name = "neighbour loop" };
                thread.Start();
                Thread.Sleep(50); // let it reach its stride
            }
            var meter = Meter.Start(_threads);
            for (int i = 0; i < iterations; i++) _loops.ProcessOnce();
            double seconds = meter.Elapsed;
            Sample sample = meter.Stop(iterations / seconds, iterations, seconds);
            stop.Set();
            thread?.Join();
            if (thread is not null)
            {
                sample.Other = neighbourCount / System.Diagnostics.Stopwatch.GetElapsedTime(neighbourStart, neighbourEnd).TotalSeconds;
            }
            return Task.FromResult(sample);
        }

        public async ValueTask DisposeAsync()
        {
            if (_held is not null) await _held.DisposeAsync().ConfigureAwait(false);
            _loops.Dispose();
        }
    }
}
