namespace Spawn.Tests.Support;

/// <summary>
/// Samples this process's thread counts every 20 ms from <see cref="Start"/> until
/// <see cref="StopAsync"/>, keeping the peaks and the thread names seen at the latest peak. The
/// runtime's own threads (the pool's workers, its timer ...) are counted apart: the runtime sizes
/// the pool by the machine's load (hill climbing, starvation injection), whatever the code under
/// test does.
/// </summary>
internal sealed class ThreadPeakSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _sampling = new();
    private Task? _sampler;

    private ThreadPeakSampler()
    {
        (Baseline, PoolBaseline) = ProcessTable.ThreadCounts();
        (Peak, PoolPeak) = (Baseline, PoolBaseline);
    }

    /// <summary>Threads other than the runtime's when sampling started, and their peak since.</summary>
    internal int Baseline { get; }

    internal int Peak { get; private set; }

    /// <summary>The runtime's threads when sampling started, and their peak since.</summary>
    internal int PoolBaseline { get; }

    internal int PoolPeak { get; private set; }

    /// <summary>The thread names at the latest peak.</summary>
    internal string Names { get; private set; } = "";

    internal static ThreadPeakSampler Start()
    {
        var sampler = new ThreadPeakSampler();
        sampler._sampler = Task.Run(sampler.SampleAsync);
        return sampler;
    }

    /// <summary>Stops sampling (again: a no-op); the counts then stay as they are.</summary>
    internal async Task StopAsync()
    {
        if (_sampler is not { } sampler) return;
        _sampler = null;
        _sampling.Cancel();
        await sampler;
        _sampling.Dispose();
    }

    /// <summary>Stops sampling when a test ends early (a failed assertion or a timeout).</summary>
    public ValueTask DisposeAsync() => new(StopAsync());

    public override string ToString() => $"threads: {Baseline} before, peak {Peak}; pool: {PoolBaseline} before, peak {PoolPeak}";

    private async Task SampleAsync()
    {
        while (!_sampling.IsCancellationRequested)
        {
            (int now, int pool) = ProcessTable.ThreadCounts();
            if (now > Peak || pool > PoolPeak)
            {
                Peak = Math.Max(Peak, now);
                PoolPeak = Math.Max(PoolPeak, pool);
                Names = ProcessTable.ThreadNames();
            }
            await Task.Delay(20);
        }
    }
}
