using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// Eight threads hammer the same handles with every operation. A pidfd closed twice would close
/// whatever fd took its number meanwhile, so a ninth thread keeps opening files and checks each
/// one is still open and still the same file before closing it.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class RaceTests
{
    [Fact]
    public async Task Eight_threads_hammering_one_set_of_handles_break_nothing()
    {
        // The first start creates lasting fds (epoll, /dev/null); earlier tests' dropped handles
        // are closed by finalizers. Both settle before the count is taken.
        using (var warm = ProcessHandle.Start("/bin/true", ["true"])) await warm.WaitAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        IReadOnlyDictionary<int, string> before = Fds.Table();
        string victimPath = Path.GetTempFileName();
        using var stop = new CancellationTokenSource();
        var sentinel = Task.Factory.StartNew(() => WatchUnrelatedFds(victimPath, stop.Token), TaskCreationOptions.LongRunning);

        for (int round = 0; round < 60; round++)
        {
            ProcessHandle[] handles = [.. Enumerable.Range(0, 4).Select(i =>
                ProcessHandle.Start("/bin/sleep", ["sleep", i % 2 == 0 ? "0.01" : "30"]))];
            ProcessHandle[] found = [.. handles.Select(h => ProcessHandle.Find(h.Pid))];
            ProcessHandle[] all = [.. handles, .. found];
            // Handles of our own for the clean-up: the hammering threads may dispose any of theirs,
            // and a disposed handle can no longer kill its still-running child.
            ProcessHandle[] keepers = [.. handles.Select(h => ProcessHandle.Find(h.Pid))];

            var threads = Enumerable.Range(0, 8).Select(t => Task.Factory.StartNew(() => Hammer(all, seed: (round * 8) + t), TaskCreationOptions.LongRunning)).ToArray();
            await Task.WhenAll(threads).WaitAsync(TimeSpan.FromSeconds(60));

            // Whatever the threads did, every child ends and is reaped (by the exit watcher).
            foreach (var keeper in keepers)
            {
                keeper.Kill();
                await keeper.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                keeper.Dispose();
            }
            foreach (var handle in all) handle.Dispose();
        }

        stop.Cancel();
        Assert.Null(await sentinel);
        // By number and target: a straggler of an earlier test closing meanwhile cannot hide a leak.
        Assert.True(Fds.NoneOpenedSince(before, out string opened, settle: () =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }), $"open after the rounds and not before: {opened}");
        File.Delete(victimPath);
    }

    private static void Hammer(ProcessHandle[] handles, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 40; i++)
        {
            ProcessHandle handle = handles[random.Next(handles.Length)];
            try
            {
                switch (random.Next(8))
                {
                    case 0: handle.Signal(0); break;
                    case 1: handle.Signal(Signals.SIGTERM); break;
                    case 2: handle.Kill(); break;
                    case 3: if (handle.IsChild || handle.HasExited) handle.Wait(); break;
                    case 4: handle.WaitAsync(new CancellationTokenSource(5).Token).ContinueWith(_ => { }, TaskScheduler.Default).Wait(); break;
                    case 5: if (random.Next(4) == 0) handle.Dispose(); break;
                    case 6: if (ProcessHandle.UsesPidfd && !handle.HasExited) handle.WithHandle(fd => fd); break;
                    default: _ = handle.HasExited; break;
                }
            }
            catch (ObjectDisposedException)
            {
                // Expected after another thread's Dispose.
            }
            catch (InvalidOperationException) when (ProcessHandle.UsesPidfd)
            {
                // WithHandle after the process finished between the check and the call.
            }
        }
    }

    /// <summary>Returns null when every unrelated fd stayed intact, else what went wrong.</summary>
    private static string? WatchUnrelatedFds(string path, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            int fd = (int)file.DangerousGetHandle();
            Thread.SpinWait(200);
            if (!Native.IsOpen(fd)) return $"fd {fd} of an unrelated file was closed under us";
            string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            if (target != path) return $"fd {fd} now points to {target}";
        }
        return null;
    }
}
