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
        // The process under test is a grandchild: its parent (the shell) reaps it with `wait`. It
        // exits only when the test writes to a FIFO, after the test holds its handle, so a slow
        // machine cannot let it exit (and its PID be reused) before Find.
        string dir = Directory.CreateTempSubdirectory("spawn-find-").FullName;
        string pidFile = Path.Combine(dir, "pid"), gate = Path.Combine(dir, "gate");
        using var shell = ProcessHandle.Start("/bin/sh", ["sh", "-c", "mkfifo \"$2\"; (read x < \"$2\"; exit 7) & echo $! > \"$1\"; wait", "sh", pidFile, gate]);
        Assert.True(Fds.Eventually(() => File.Exists(pidFile) && File.ReadAllText(pidFile).EndsWith('\n')), "the shell never wrote the grandchild's pid");
        int grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        using var handle = ProcessHandle.Find(grandchild);
        Assert.False(handle.IsChild);
        Assert.False(handle.HasExited);
        Task<ProcessState> waiting = async ? handle.WaitAsync() : Task.Factory.StartNew(handle.Wait, TaskCreationOptions.LongRunning);
        await File.WriteAllTextAsync(gate, "go\n");
        ProcessState state = await waiting.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, shell.Wait().ExitCode);
        Directory.Delete(dir, recursive: true);

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
