using System.Globalization;
using Spawn.Tests.Support;

namespace Spawn.Tests.Reliability;

/// <summary>
/// Start/wait cycles with a mix of normal exits, signals, failing starts and cancellations; open
/// fds, threads and the managed heap after a forced GC must stay flat. The CI form runs a few
/// thousand cycles; SPAWN_SOAK_CYCLES=100000 is the long form (README). tests/run.sh runs it in
/// every configuration (handle mode, PID mode, portable spawn path).
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private static int Cycles =>
        int.TryParse(Environment.GetEnvironmentVariable("SPAWN_SOAK_CYCLES"), CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 3000;

    /// <summary>
    /// <paramref name="Threads"/>: this process's threads but the runtime's own, which it adds and
    /// retires itself (<see cref="ProcessTable.ThreadCounts"/>): those are <paramref name="PoolThreads"/>.
    /// </summary>
    private sealed record Sample(int Cycle, int Fds, int Threads, int PoolThreads, long Heap);

    [Fact]
    public async Task Fds_threads_and_heap_stay_flat_over_a_mixed_soak()
    {
        int cycles = Cycles;
        int interval = Math.Max(1, cycles / 10);
        var samples = new List<Sample>();
        // Warm up with every kind of cycle: first uses create lasting fds and threads (the epoll
        // reactor, /dev/null, the SIGCHLD registration in PID mode, the thread pool's workers).
        for (int i = 0; i < 120; i++) await OneCycle(i);
        samples.Add(Measure(0));
        IReadOnlyDictionary<int, string> fdsAfterWarmUp = Fds.Table();

        for (int i = 1; i <= cycles; i++)
        {
            await OneCycle(i);
            if (i % interval == 0) samples.Add(Measure(i));
        }

        output.WriteLine($"{"cycle",8} {"fds",6} {"threads",8} {"pool",5} {"heap KiB",10}");
        foreach (Sample s in samples) output.WriteLine($"{s.Cycle,8} {s.Fds,6} {s.Threads,8} {s.PoolThreads,5} {s.Heap / 1024,10}");

        Sample first = samples[0], last = samples[^1];
        // By number and target: a descriptor an earlier test left to a finalizer or an exit watcher
        // may close meanwhile, which a count would let hide one leaked.
        Assert.True(Fds.NoneOpenedSince(fdsAfterWarmUp, out string opened, settle: Settle), $"fds open now that were not after the warm-up: {opened}");
        // Spawn's threads and the runtime's fixed ones: a thread a cycle (or a tenth of one) would show.
        Assert.True(last.Threads <= first.Threads + 2, $"threads grew from {first.Threads} to {last.Threads}: {ProcessTable.ThreadNames()}");
        Assert.True(samples.Skip(1).Max(s => s.Threads) - samples.Skip(1).Min(s => s.Threads) <= 2, $"thread count kept moving: {ProcessTable.ThreadNames()}");
        // The pool's workers come and go with the machine's load (starvation injection adds some,
        // idleness retires them): bounded generously, far below the hundreds a leak of blocked
        // workers over thousands of cycles would make.
        Assert.True(last.PoolThreads <= first.PoolThreads + 40, $"the runtime's threads grew from {first.PoolThreads} to {last.PoolThreads}: {ProcessTable.ThreadNames()}");
        // After a forced GC the heap holds nothing per cycle: allow slack for caches that fill once.
        Assert.True(last.Heap <= first.Heap + (4L << 20), $"heap grew from {first.Heap} to {last.Heap}");
        // A zombie is reaped by the exit watcher a moment after the exit: only one that stays is left behind.
        Assert.True(Fds.Eventually(() => ProcessTable.Zombies().Length == 0), $"zombies left: {string.Join(' ', ProcessTable.Zombies())}");
    }

    private static async Task OneCycle(int i)
    {
        switch (i % 6)
        {
            case 0:
                using (var child = ProcessHandle.Start("/bin/true", ["true"])) Assert.Equal(0, child.Wait().ExitCode);
                break;
            case 1:
                using (var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "exit 3"])) Assert.Equal(3, (await child.WaitAsync()).ExitCode);
                break;
            case 2:
                using (var child = ProcessHandle.Start("/bin/sleep", ["sleep", "10"]))
                {
                    Assert.True(child.Kill());
                    Assert.Equal(Signals.SIGKILL, child.Wait().Signal);
                }
                break;
            case 3:
                Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/no/such/program", ["x"]));
                break;
            case 4:
                using (var cts = new CancellationTokenSource())
                {
                    Task<CommandResult> run = new Command("sleep", "10").WithCancelSignal(Signals.SIGTERM, TimeSpan.FromSeconds(5)).RunAsync(cts.Token);
                    cts.Cancel();
                    var e = await Assert.ThrowsAsync<CommandCanceledException>(() => run);
                    Assert.Equal(Signals.SIGTERM, e.Result.State.Signal);
                }
                break;
            default:
                Assert.Equal("x\n", (await new Command("echo", "x").OutputAsync()).StandardOutput);
                break;
        }
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static Sample Measure(int cycle)
    {
        Settle();
        (int others, int runtime) = ProcessTable.ThreadCounts();
        return new Sample(cycle, Fds.OpenCount(), others, runtime, GC.GetTotalMemory(forceFullCollection: true));
    }
}
