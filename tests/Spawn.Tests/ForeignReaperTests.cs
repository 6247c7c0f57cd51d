using Spawn.Internal;
using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>Another component of this process reaps our child before we do.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class ForeignReaperTests(ITestOutputHelper output)
{
    /// <summary>
    /// A child started by the spawn step and given a wait state that no watcher knows of (nobody
    /// reaps it but a blocking Wait), put together from the platform layer's parts: the test's
    /// reaper then gets there first every time, instead of racing Spawn's watcher.
    /// </summary>
    private static ProcessHandle StartUnwatched(string path, string[] argv)
    {
        bool usePidfd = ProcessHandle.UsesPidfd;
        int pid = Spawner.Spawn(path, argv, null, usePidfd, out int pidfd, out _);
        return new ProcessHandle(usePidfd
            ? new PidfdWaitState(pid, isChild: true, new SafePidfdHandle(pidfd))
            : new PidWaitState(pid, isChild: true));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Wait_after_a_foreign_reap_neither_hangs_nor_crashes(bool reapAny)
    {
        for (int i = 0; i < 20; i++)
        {
            using var child = StartUnwatched("/bin/sh", ["sh", "-c", "exit 7"]);
            int reaped;
            do
            {
                // waitpid(-1) is what a careless SIGCHLD handler does; it may collect other children too.
                reaped = Native.WaitPid(reapAny ? -1 : child.Pid, out _, 0);
            }
            while (reaped != child.Pid && reaped > 0);
            Assert.Equal(child.Pid, reaped);

            ProcessState state = child.Wait();
            if (ProcessHandle.UsesPidfd)
            {
                // Linux 6.15+ keeps the exit status on the pidfd; this machine runs 6.18.
                Assert.Equal(ExitStatusSource.PidfdExitInfo, state.Source);
                Assert.Equal(7, state.ExitCode);
            }
            else
            {
                Assert.Equal(ExitStatusSource.Unknown, state.Source);
                Assert.Null(state.ExitCode);
                Assert.Contains("another component", state.UnknownReason);
            }
            Assert.False(child.Kill());
        }
    }

    [Fact]
    public async Task Racing_a_foreign_reaper_always_gives_the_right_exit_code()
    {
        int ours = 0, theirs = 0;
        for (int i = 0; i < 200; i++)
        {
            using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", $"exit {i % 256}"]);
            var foreign = Task.Factory.StartNew(() => Native.WaitPid(child.Pid, out _, 0), TaskCreationOptions.LongRunning);
            ProcessState state = i % 2 == 0 ? child.Wait() : await child.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            await foreign.WaitAsync(TimeSpan.FromSeconds(20));

            if (state.Source == ExitStatusSource.Reaped) ours++;
            else theirs++;
            if (ProcessHandle.UsesPidfd || state.Source == ExitStatusSource.Reaped)
            {
                Assert.Equal(i % 256, state.ExitCode);
            }
            else
            {
                Assert.Equal(ExitStatusSource.Unknown, state.Source);
            }
        }
        output.WriteLine($"reaped by Spawn: {ours}, by the foreign reaper: {theirs}");
    }
}
