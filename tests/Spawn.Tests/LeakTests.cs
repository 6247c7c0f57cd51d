using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>Counts this process's fds and children, so it runs in the isolated collection.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class LeakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ten_thousand_start_wait_cycles_leave_the_fd_count_unchanged()
    {
        await Warm();
        IReadOnlyDictionary<int, string> before = Fds.Table();

        int failedStarts = 0;
        for (int i = 0; i < 10_000; i++)
        {
            switch (i % 10)
            {
                case 0:
                    Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/no/such/program", ["x"]));
                    failedStarts++;
                    break;
                case 1:
                    // A failing start with every fd redirected.
                    using (var file = File.OpenHandle("/dev/zero"))
                    {
                        Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/no/such/program", ["x"],
                            new StartOptions { Stdin = file, Stdout = file, Stderr = file, ExtraFiles = [file] }));
                    }
                    failedStarts++;
                    break;
                case 2:
                    using (var child = ProcessHandle.Start("/bin/true", ["true"]))
                    {
                        Assert.Equal(0, (await child.WaitAsync()).ExitCode);
                    }
                    break;
                case 3:
                    // Dropped without Wait or Dispose: the exit watcher must reap it and close its pidfd.
                    ProcessHandle.Start("/bin/true", ["true"]);
                    break;
                default:
                    using (var child = ProcessHandle.Start("/bin/true", ["true"]))
                    {
                        Assert.Equal(0, child.Wait().ExitCode);
                    }
                    break;
            }
        }

        // By number and target: a straggler of an earlier test closing meanwhile cannot hide a leak.
        Assert.True(Fds.NoneOpenedSince(before, out string opened), $"open after the cycles and not before: {opened}");
        Assert.True(Fds.Eventually(() => ProcessTable.Zombies().Length == 0), $"zombies left: {string.Join(' ', ProcessTable.Zombies())}");
        output.WriteLine($"10,000 cycles ({failedStarts} failing starts): {before.Count} fds before, {Fds.Table().Count} after.");
    }

    [Fact]
    public async Task Handles_dropped_without_dispose_are_collected_and_their_fds_closed()
    {
        await Warm();
        IReadOnlyDictionary<int, string> before = Fds.Table();
        DropHandles();
        // Each handle holds a pidfd of its own until its finalizer runs (none in PID mode).
        if (ProcessHandle.UsesPidfd) Assert.True(Fds.OpenedSince(before).Length >= 200, $"{Fds.OpenedSince(before).Length} new fds for 200 handles");

        Assert.True(Fds.NoneOpenedSince(before, out string opened, settle: () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }), $"open after the handles were collected and not before: {opened}");
    }

    private static void DropHandles()
    {
        // Non-child handles to a live process (ourselves): only the finalizer can close them.
        for (int i = 0; i < 200; i++) ProcessHandle.Find(Environment.ProcessId);
    }

    private static async Task Warm()
    {
        // The first start creates lasting descriptors (the epoll instance, /dev/null); count after them.
        using var child = ProcessHandle.Start("/bin/true", ["true"]);
        await child.WaitAsync();
        // Handles earlier tests dropped are closed by finalizers; let that happen before counting.
        int last = -1;
        while (Fds.OpenCount() != last)
        {
            last = Fds.OpenCount();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            await Task.Delay(100);
        }
    }
}
