using System.Globalization;
using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// A PID is handed out again after its process is reaped. Through a handle, nothing may reach the
/// new owner of the number. Writes ns_last_pid (process-wide), so it runs in the isolated collection.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class PidReuseTests(ITestOutputHelper output)
{
    private const string LastPidFile = "/proc/sys/kernel/ns_last_pid";

    [Fact]
    public void Signals_through_an_old_handle_never_reach_the_process_that_reuses_its_pid()
    {
        if (!Native.IsRoot || !CanWriteLastPid())
        {
            Assert.Skip("needs root to write " + LastPidFile + " and force PID reuse.");
        }

        int reused = 0;
        int attempts = 0;
        while (reused < 100)
        {
            Assert.True(++attempts < 2000, $"could only force PID reuse {reused} times in {attempts} attempts");

            using var old = ProcessHandle.Start("/bin/true", ["true"]);
            int pid = old.Pid;
            // A second, non-child handle on the same process: it is never told of the reap, so only
            // the pidfd itself stands between its signals and the next owner of the number.
            using var oldFound = ProcessHandle.Find(pid);
            Assert.Equal(0, old.Wait().ExitCode);

            File.WriteAllText(LastPidFile, (pid - 1).ToString(CultureInfo.InvariantCulture));
            using var stranger = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
            try
            {
                if (stranger.Pid != pid) continue; // someone else on the machine forked in between
                reused++;

                Assert.False(old.Signal(Signals.SIGTERM));
                Assert.False(old.Kill());
                if (ProcessHandle.UsesPidfd)
                {
                    Assert.False(oldFound.Kill());
                    Assert.False(oldFound.Signal(Signals.SIGTERM));
                }
                // (PID mode has no pidfd: a Find handle signals by number, which is exactly the
                // hazard handle mode removes; only the child handle is protected there.)

                Assert.False(stranger.HasExited);
                Assert.True(stranger.Signal(0));
                char? state = Native.ProcState(pid);
                Assert.True(state is 'S' or 'R' or 'D', $"the new owner of pid {pid} is in state {state}");
            }
            finally
            {
                stranger.Kill();
                Assert.Equal(Signals.SIGKILL, stranger.Wait().Signal); // it died of our kill, not of an earlier one
            }
        }
        output.WriteLine($"PID reuse forced {reused} times in {attempts} attempts.");
    }

    [Fact]
    public void Find_by_pid_and_inode_refuses_a_process_that_reused_the_pid()
    {
        if (!Native.IsRoot || !CanWriteLastPid())
        {
            Assert.Skip("needs root to write " + LastPidFile + " and force PID reuse.");
        }
        using (var self = ProcessHandle.Find(Environment.ProcessId))
        {
            if (self.UniqueId is null) Assert.Skip("this kernel has no pidfs (Linux 6.9+): there is no unique process ID to check");
        }

        for (int attempt = 0; attempt < 200; attempt++)
        {
            string oldId;
            int pid;
            using (var old = ProcessHandle.Start("/bin/true", ["true"]))
            {
                oldId = old.QualifiedId;
                pid = old.Pid;
                Assert.Equal(0, old.Wait().ExitCode);
            }

            File.WriteAllText(LastPidFile, (pid - 1).ToString(CultureInfo.InvariantCulture));
            using var stranger = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
            try
            {
                if (stranger.Pid != pid) continue; // someone else on the machine forked in between
                var e = Assert.Throws<ProcessGoneException>(() => ProcessHandle.Find(oldId));
                Assert.Equal(stranger.UniqueId, e.ActualUniqueId);
                output.WriteLine(e.Message);
                using var current = ProcessHandle.Find(stranger.QualifiedId);
                Assert.True(current.Signal(0));
                Assert.False(stranger.HasExited);
                return;
            }
            finally
            {
                stranger.Kill();
                stranger.Wait();
            }
        }
        Assert.Fail("could not force PID reuse in 200 attempts");
    }

    private static bool CanWriteLastPid()
    {
        try
        {
            File.WriteAllText(LastPidFile, File.ReadAllText(LastPidFile).Trim());
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
