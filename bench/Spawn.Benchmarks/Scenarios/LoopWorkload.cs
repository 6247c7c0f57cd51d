namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// A workload built on the contenders' start+wait loops (scenarios 1, 1b and 3): warm-up runs a
/// fifth of a measurement's loop (at least 50 starts), and <see cref="MeasureLoopAsync"/> times one loop.
/// </summary>
internal abstract class LoopWorkload(string contender, int count) : IWorkload
{
    private readonly StartWaitLoops _loops = new();
    private ThreadSampler _threads = null!;

    protected string Contender => contender;

    protected int Count => count;

    protected ThreadSampler Threads => _threads;

    public Task SetupAsync(ThreadSampler threads)
    {
        _threads = threads;
        return Task.CompletedTask;
    }

    public virtual Task WarmupAsync() => _loops.RunAsync(contender, Math.Max(50, count / 5));

    public abstract Task<Sample> RunAsync(string contender);

    /// <summary>One timed loop: the rate in starts per second, with threads and allocations.</summary>
    protected async Task<Sample> MeasureLoopAsync()
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
