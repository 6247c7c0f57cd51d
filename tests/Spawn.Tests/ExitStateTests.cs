using Spawn.Tests.Support;

namespace Spawn.Tests;

public sealed class ExitStateTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(255)]
    public void Exit_code_is_reported(int code)
    {
        using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", $"exit {code}"]);
        ProcessState state = child.Wait();

        Assert.Equal(code, state.ExitCode);
        Assert.Null(state.Signal);
        Assert.Equal(code == 0, state.Success);
        Assert.True(state.Exited);
        Assert.Equal(ExitStatusSource.Reaped, state.Source);
        Assert.Equal(child.Pid, state.Pid);
        Assert.Equal($"exit status {code}", state.ToString());
    }

    [Fact]
    public void Death_by_signal_is_reported()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Assert.True(child.Kill());
        ProcessState state = child.Wait();

        Assert.Null(state.ExitCode);
        Assert.Equal(Signals.SIGKILL, state.Signal);
        Assert.False(state.Success);
        Assert.False(state.Exited);
        Assert.False(state.CoreDumped);
        Assert.Equal("signal: killed", state.ToString());
    }

    [Fact]
    public void Termination_by_SIGTERM_is_reported()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Assert.True(child.Signal(Signals.SIGTERM));
        Assert.Equal("signal: terminated", child.Wait().ToString());
    }

    [Fact]
    public void Resource_usage_is_collected_for_a_child_that_burns_cpu()
    {
        using var child = ChildProgram.Start("burn", "0.4");
        ProcessState state = child.Wait();

        Assert.Equal(0, state.ExitCode);
        // The helper burns 0.4 s of CPU time (not wall time), so this holds however loaded the machine is.
        Assert.True(state.UserTime + state.SystemTime >= TimeSpan.FromMilliseconds(400), $"cpu {state.UserTime} + {state.SystemTime}");
    }

    [Fact]
    public void A_stopped_child_keeps_the_wait_pending_until_continued_and_exited()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Task<ProcessState> asyncWait = child.WaitAsync();
        var blockingWait = Task.Factory.StartNew(child.Wait, TaskCreationOptions.LongRunning);

        Assert.True(child.Signal(Signals.SIGSTOP));
        Assert.True(Fds.Eventually(() => Native.ProcState(child.Pid) == 'T'), "child never showed as stopped");
        Thread.Sleep(200);
        Assert.False(asyncWait.IsCompleted);
        Assert.False(blockingWait.IsCompleted);
        Assert.False(child.HasExited);

        Assert.True(child.Signal(Signals.SIGCONT));
        Thread.Sleep(100);
        Assert.False(asyncWait.IsCompleted, "SIGCONT alone must not end the wait");

        Assert.True(child.Signal(Signals.SIGTERM));
        Assert.Equal(Signals.SIGTERM, asyncWait.Result.Signal);
        Assert.Same(asyncWait.Result, blockingWait.Result);
    }
}
