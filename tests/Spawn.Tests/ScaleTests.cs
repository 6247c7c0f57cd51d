using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>Counts this process's threads, so it runs in the isolated collection.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class ScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_thousand_concurrent_WaitAsync_use_at_most_one_extra_thread()
    {
        // Warm up: the exit watcher (handle mode) or the SIGCHLD registration (PID mode) exists
        // after the first awaited child, as does the thread pool thread that ran its continuation.
        using (var warm = ProcessHandle.Start("/bin/true", ["true"])) await warm.WaitAsync();
        // The runtime's own threads apart (the pool's workers, its timer ...): it adds and retires
        // them with the machine's load (starvation injection, 20 s idle), whatever the code under test does.
        (int baseline, int poolBaseline) = ProcessTable.ThreadCounts();

        var children = new List<ProcessHandle>();
        try
        {
            for (int i = 0; i < 1000; i++) children.Add(ProcessHandle.Start("/bin/sleep", ["sleep", "60"]));
            Task<ProcessState>[] waits = [.. children.Select(c => c.WaitAsync())];
            await Task.Delay(300);

            (int during, int pool) = ProcessTable.ThreadCounts();
            string names = ProcessTable.ThreadNames();
            output.WriteLine($"threads: {baseline} before, {during} with 1,000 waits pending (pool: {poolBaseline} before, {pool} then): {names}");
            Assert.All(waits, w => Assert.False(w.IsCompleted));
            Assert.True(during <= baseline + 1, $"threads: {baseline} before, {during} with 1,000 waits pending: {names}");
            // Waits parked on pool threads would take hundreds; what load adds is a few.
            Assert.True(pool <= poolBaseline + 16, $"the runtime's threads: {poolBaseline} before, {pool} with 1,000 waits pending: {names}");

            foreach (var child in children) Assert.True(child.Kill());
            ProcessState[] states = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(states, s => Assert.Equal(Signals.SIGKILL, s.Signal));
        }
        finally
        {
            foreach (var child in children)
            {
                child.Kill();
                child.Wait();
                child.Dispose();
            }
        }
    }
}
