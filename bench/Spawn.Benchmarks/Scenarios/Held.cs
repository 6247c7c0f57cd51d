namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Scenario 3: scenario 1 while the contender holds <see cref="Hold"/> live children it started.
/// Every repetition measures the contender idle first, then starts the children, measures again,
/// and kills and reaps them: the ratio held/idle comes from one repetition, so drift cancels.
/// </summary>
internal sealed class Held(int hold) : Scenario
{
    internal int Hold => hold;

    internal override string Name => hold == 1000 ? "held" : $"held{hold / 1000}k";

    internal override string Title => $"3. Scenario 1 while holding {hold:N0} live children";

    internal override Figure Figure => Figure.HeldRate;

    private int Count(BenchOptions options) => options.Quick ? 200 : hold > 1000 ? 1000 : 1500;

    /// <summary>
    /// With 10,000 held the floor alone takes about 30 s a repetition (posix_spawn copies and closes
    /// the whole fd table for each child, including the 10,000 starts of the set-up): a quick run
    /// keeps Spawn alone, for one repetition.
    /// </summary>
    internal override string[] ContendersFor(BenchOptions options)
    {
        string[] contenders = hold <= 1000 ? Contenders.All : options.Quick ? [Contenders.Spawn] : [Contenders.Floor, Contenders.Spawn];
        // The C loop holding the same children, where a C compiler built it (the orchestrator
        // compiles it before this scenario, and says so when it cannot).
        return File.Exists(CLoop.BinaryPath) ? [Contenders.CLoop, .. contenders] : contenders;
    }

    /// <summary>The held scenarios compare Spawn with the C loop holding as many children (see <see cref="Settle"/>).</summary>
    internal override string? Baseline => File.Exists(CLoop.BinaryPath) ? Contenders.CLoop : Contenders.Floor;

    /// <summary>The set-up (1,000 or 10,000 starts and kills a repetition) dominates a quick run: fewer repetitions there.</summary>
    internal override int Repetitions(BenchOptions options) => !options.Quick ? options.Repetitions : hold > 1000 ? 1 : Math.Min(2, options.Repetitions);

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} starts per measurement; each repetition: idle loop, start {hold:N0} × `sleep {Programs.SleepSeconds}` (not timed), loop again, kill and reap them (not timed). " +
        "Held through the contender's API: ProcessHandle, ChildProcess (Command.Start), Process.Start, kept ExecuteAsync tasks; the floor keeps raw pidfds; " +
        "the C loop (native/spawn_loop.c, cc -O2, a child of its worker) holds them with posix_spawn and no descriptor. " +
        $"Every loop is measured settled: before the idle loop, no child left from the previous repetition; before the held loop, all {hold:N0} asleep in `sleep`; " +
        $"then {Settle.PauseMilliseconds(hold)} ms more. Ratios are against the C loop held (the floor's where there is no C compiler)." +
        (options.Quick ? hold > 1000 ? " Quick run: Spawn only, one repetition." : " Quick run: two repetitions." : "");

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, hold, Count(options));

    private sealed class Workload(string contender, int hold, int count) : LoopWorkload(contender, count)
    {
        public override Task WarmupAsync() => Contender == Contenders.CLoop ? Task.CompletedTask : base.WarmupAsync();

        public override async Task<Sample> RunAsync(string _)
        {
            int pause = Settle.PauseMilliseconds(hold);
            await Settle.ChildrenAsync(0, pause).ConfigureAwait(false);
            if (Contender == Contenders.CLoop) return await CLoop.RunHeldAsync(Count, hold, pause).ConfigureAwait(false);
            Sample idle = await MeasureLoopAsync().ConfigureAwait(false);
            var held = new HeldChildren(Contender, hold);
            await using (held.ConfigureAwait(false))
            {
                held.StartAll();
                await Settle.ChildrenAsync(hold, pause).ConfigureAwait(false);
                Sample sample = await MeasureLoopAsync().ConfigureAwait(false);
                sample.Other = idle.Value;
                return sample;
            }
        }
    }
}
