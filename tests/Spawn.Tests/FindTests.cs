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
}
