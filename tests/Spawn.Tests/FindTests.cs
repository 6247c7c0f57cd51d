using Spawn.Tests.Support;

namespace Spawn.Tests;

public sealed class FindTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void Pid_zero_or_negative_is_ArgumentOutOfRange(int pid)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessHandle.Find(pid));
    }

    [Fact]
    public void Pid_int_MaxValue_gives_a_finished_handle()
    {
        using var handle = ProcessHandle.Find(int.MaxValue);
        Assert.True(handle.HasExited);
        Assert.False(handle.Kill());
        Assert.Equal(ExitStatusSource.Unknown, handle.Wait().Source);
    }

    [Fact]
    public void Dead_pid_gives_a_finished_handle_without_exception()
    {
        int pid;
        using (var child = ProcessHandle.Start("/bin/true", ["true"]))
        {
            pid = child.Pid;
            child.Wait();
        }
        using var handle = ProcessHandle.Find(pid);
        // The PID may have been taken again by a process started meanwhile; only check the handle is usable.
        if (handle.HasExited)
        {
            Assert.False(handle.Signal(0));
            Assert.Null(handle.Wait().ExitCode);
        }
    }

    [Fact]
    public async Task Find_handle_of_a_process_we_did_not_start_waits_and_signals()
    {
        using var self = ProcessHandle.Find(Environment.ProcessId);
        Assert.False(self.IsChild);
        Assert.False(self.HasExited);
        Assert.True(self.Signal(0));

        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var other = ProcessHandle.Find(child.Pid);
        Task<ProcessState> wait = other.WaitAsync();
        Assert.False(wait.IsCompleted);
        Assert.True(other.Signal(Signals.SIGTERM));
        Assert.Equal(Signals.SIGTERM, child.Wait().Signal);
        ProcessState seen = await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(child.Pid, seen.Pid);
        Assert.False(other.Signal(Signals.SIGTERM));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_non_child_reports_its_exit_status_once_its_parent_reaps_it(bool async)
    {
        // The process under test is a grandchild: its parent (the shell) reaps it with `wait`,
        // a moment after it exits.
        using var shell = ProcessHandle.Start("/bin/sh", ["sh", "-c", "(sleep 0.3; exit 7) & echo $! > \"$1\"; sleep 0.2; wait", "sh", Path.GetTempFileName()]);
        string pidFile = (await File.ReadAllTextAsync("/proc/" + shell.Pid + "/cmdline")).Split('\0')[4];
        Assert.True(Fds.Eventually(() => File.ReadAllText(pidFile).Trim().Length > 0), "the shell never wrote the grandchild's pid");
        int grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(pidFile);

        using var handle = ProcessHandle.Find(grandchild);
        Assert.False(handle.IsChild);
        ProcessState state = async ? await handle.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20)) : handle.Wait();
        Assert.Equal(0, shell.Wait().ExitCode);

        if (ProcessHandle.UsesPidfd)
        {
            Assert.Equal(ExitStatusSource.PidfdExitInfo, state.Source);
            Assert.Equal(7, state.ExitCode);
        }
        else
        {
            Assert.Equal(ExitStatusSource.Unknown, state.Source);
        }
    }
}
