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

    private sealed class Workload(string contender, int count) : LoopWorkload(contender, count)
    {
        public override Task<Sample> RunAsync(string _) => MeasureLoopAsync();
    }
}
