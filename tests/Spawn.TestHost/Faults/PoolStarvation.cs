namespace Spawn.TestHost.Faults;

/// <summary>The thread pool starved, as in a production incident: every worker blocked, no new one allowed.</summary>
internal static class PoolStarvation
{
    /// <summary>
    /// Caps the pool at one worker per CPU, blocks every worker until <paramref name="release"/> is
    /// set, then checks that a queued item does not run within 500 ms. Prints "pool starved: yes|no"
    /// and returns how many workers are blocked and whether the pool is starved.
    /// </summary>
    /// <exception cref="InvalidOperationException">The pool could not be capped, or its workers did not start.</exception>
    internal static (int Workers, bool Starved) Starve(ManualResetEventSlim release)
    {
        int workers = Environment.ProcessorCount;
        ThreadPool.GetMaxThreads(out _, out int io);
        if (!ThreadPool.SetMinThreads(workers, io) || !ThreadPool.SetMaxThreads(workers, io))
        {
            throw new InvalidOperationException("could not cap the thread pool");
        }
        using var started = new CountdownEvent(workers);
        for (int i = 0; i < workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                started.Signal();
                release.Wait();
            }, null);
        }
        if (!started.Wait(TimeSpan.FromSeconds(30))) throw new InvalidOperationException("the pool's workers did not all start");
        using var ran = new ManualResetEventSlim();
        ThreadPool.UnsafeQueueUserWorkItem(_ => ran.Set(), null);
        bool starved = !ran.Wait(TimeSpan.FromMilliseconds(500));
        Console.WriteLine($"pool starved: {(starved ? "yes" : "no")}");
        return (workers, starved);
    }
}
