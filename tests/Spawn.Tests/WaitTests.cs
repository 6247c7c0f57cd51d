using Spawn.Tests.Support;

namespace Spawn.Tests;

public sealed class WaitTests
{
    [Fact]
    public void Wait_is_idempotent()
    {
        using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "exit 3"]);
        ProcessState first = child.Wait();
        Assert.Same(first, child.Wait());
        Assert.Same(first, child.WaitAsync().Result);
        Assert.True(child.HasExited);
    }

    [Fact]
    public async Task Concurrent_waits_all_get_the_same_state()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "0.3"]);
        var waits = new List<Task<ProcessState>>();
        for (int i = 0; i < 8; i++)
        {
            waits.Add(Task.Factory.StartNew(child.Wait, TaskCreationOptions.LongRunning));
            waits.Add(child.WaitAsync());
        }
        ProcessState[] states = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(states, s => Assert.Same(states[0], s));
        Assert.Equal(0, states[0].ExitCode);
    }

    [Fact]
    public async Task Cancelled_WaitAsync_throws_and_leaves_the_process_alone()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitAsync(cts.Token));

        Assert.False(child.HasExited);
        Assert.True(child.Signal(0));
        Assert.True(child.Kill());
        Assert.Equal(Signals.SIGKILL, (await child.WaitAsync()).Signal);
    }

    [Fact]
    public async Task Already_cancelled_token_fails_at_once()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitAsync(new CancellationToken(true)));
        child.Kill();
        child.Wait();
    }

    [Fact]
    public void A_child_dropped_without_wait_is_reaped_when_it_exits()
    {
        int pid = StartAndDrop();
        Assert.True(Fds.Eventually(() => Native.ProcState(pid) is null), $"process {pid} stayed a zombie");
    }

    private static int StartAndDrop() => ProcessHandle.Start("/bin/true", ["true"]).Pid;

    [Fact]
    public void Wait_after_dispose_returns_a_known_state_and_refuses_an_unknown_one()
    {
        var done = ProcessHandle.Start("/bin/true", ["true"]);
        ProcessState state = done.Wait();
        done.Dispose();
        Assert.Same(state, done.Wait());

        var running = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var observer = ProcessHandle.Find(running.Pid);
        running.Dispose();
        Assert.Throws<ObjectDisposedException>(() => running.Wait());
        observer.Kill();
        observer.Wait();
    }
}
