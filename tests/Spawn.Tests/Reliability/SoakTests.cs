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

    private sealed record Sample(int Cycle, int Fds, int Threads, long Heap);

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

        for (int i = 1; i <= cycles; i++)
        {
            await OneCycle(i);
            if (i % interval == 0) samples.Add(Measure(i));
        }

        output.WriteLine($"{"cycle",8} {"fds",6} {"threads",8} {"heap KiB",10}");
        foreach (Sample s in samples) output.WriteLine($"{s.Cycle,8} {s.Fds,6} {s.Threads,8} {s.Heap / 1024,10}");

        Sample first = samples[0], last = samples[^1];
        Assert.True(last.Fds <= first.Fds, $"fds grew from {first.Fds} to {last.Fds}");
        // The thread pool may keep a few idle workers it made along the way; a leak would grow with cycles.
        Assert.True(last.Threads <= first.Threads + 10, $"threads grew from {first.Threads} to {last.Threads}");
        Assert.True(samples.Skip(1).Max(s => s.Threads) - samples.Skip(1).Min(s => s.Threads) <= 6, "thread count kept moving");
        // After a forced GC the heap holds nothing per cycle: allow slack for caches that fill once.
        Assert.True(last.Heap <= first.Heap + (4L << 20), $"heap grew from {first.Heap} to {last.Heap}");
        Assert.Empty(ProcessTable.Zombies());
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

    private static Sample Measure(int cycle)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return new Sample(cycle, Fds.OpenCount(), ProcessTable.ThreadCount(), GC.GetTotalMemory(forceFullCollection: true));
    }
}
