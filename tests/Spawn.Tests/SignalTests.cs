namespace Spawn.Tests;

public sealed class SignalTests
{
    [Fact]
    public void Signal_and_kill_after_wait_return_false()
    {
        using var child = ProcessHandle.Start("/bin/true", ["true"]);
        child.Wait();

        Assert.False(child.Signal(Signals.SIGTERM));
        Assert.False(child.Kill());
        Assert.False(child.Signal(0));
    }

    [Fact]
    public void Signal_after_dispose_throws_ObjectDisposedException()
    {
        var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Assert.True(child.Kill());
        child.Wait();
        child.Dispose();

        Assert.Throws<ObjectDisposedException>(() => child.Signal(Signals.SIGTERM));
        Assert.Throws<ObjectDisposedException>(() => child.Kill());
    }

    [Fact]
    public void Signal_after_dispose_of_a_running_child_throws_and_the_child_is_still_reaped()
    {
        var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        int pid = child.Pid;
        using var observer = ProcessHandle.Find(pid);
        child.Dispose();

        Assert.Throws<ObjectDisposedException>(() => child.Kill());
        Assert.Throws<ObjectDisposedException>(() => { _ = child.WaitAsync(); });
        Assert.True(observer.Kill());
        observer.Wait();
        Assert.True(Support.Fds.Eventually(() => Support.Native.ProcState(pid) is null), "the disposed child was left a zombie");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65)]
    [InlineData(int.MaxValue)]
    public void Invalid_signal_number_is_ArgumentOutOfRange(int signal)
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => child.Signal(signal));
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Fact]
    public void Signal_zero_checks_presence()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Assert.True(child.Signal(0));
        child.Kill();
        child.Wait();
        Assert.False(child.Signal(0));
    }
}
