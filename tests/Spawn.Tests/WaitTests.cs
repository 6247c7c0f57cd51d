using System.IO.Pipes;
using Spawn.Internal;
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

/// <summary>
/// A blocking Wait that arrives before the exit takes the reap over from the exit watcher (one
/// blocking waitid, the reactor left out); concurrent waits of every kind still see one state.
/// </summary>
public sealed class BlockingReapTests
{
    [Fact]
    public async Task A_blocking_wait_that_arrives_first_reaps_and_every_other_wait_sees_its_state()
    {
        using var gate = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
        using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "read line; exit 7"], new StartOptions { Stdin = gate.ClientSafePipeHandle });
        gate.DisposeLocalCopyOfClientHandle();
        Task<ProcessState> pendingAsync = child.WaitAsync();

        int pidfd = ProcessHandle.UsesPidfd ? child.WithHandle(fd => fd) : -1; // open until the child is reaped
        if (ProcessHandle.UsesPidfd) Assert.True(Fds.WatchedByEpoll(pidfd), "the exit watcher does not watch a running child");
        Task<ProcessState> reaper = Task.Factory.StartNew(child.Wait, TaskCreationOptions.LongRunning);
        if (ProcessHandle.UsesPidfd)
        {
            // The reaping Wait has taken the child out of the exit watcher before the child exits.
            Assert.True(Fds.Eventually(() => !Fds.WatchedByEpoll(pidfd)), "the blocking Wait never took the reap over");
        }
        var others = new List<Task<ProcessState>>();
        for (int i = 0; i < 4; i++) others.Add(Task.Factory.StartNew(child.Wait, TaskCreationOptions.LongRunning));
        others.Add(child.WaitAsync());
        Assert.False(reaper.IsCompleted);

        gate.WriteByte((byte)'\n');
        gate.Flush();

        ProcessState state = await reaper.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(7, state.ExitCode);
        Assert.Equal(ExitStatusSource.Reaped, state.Source);
        Assert.Same(state, await pendingAsync.WaitAsync(TimeSpan.FromSeconds(20)));
        foreach (ProcessState other in await Task.WhenAll(others).WaitAsync(TimeSpan.FromSeconds(20))) Assert.Same(state, other);
        Assert.Null(Native.ProcState(child.Pid)); // reaped, not left a zombie
    }

    [Fact]
    public void Sequential_blocking_waits_reap_every_child_themselves_and_leave_no_registration()
    {
        for (int i = 0; i < 200; i++)
        {
            // The child exits once the gate closes: after the pidfd is copied, and with the Wait already under way or not.
            using var gate = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
            using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "read line; exit $1", "sh", (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture)], new StartOptions { Stdin = gate.ClientSafePipeHandle });
            gate.DisposeLocalCopyOfClientHandle();
            // A second descriptor for the pidfd's file keeps the file, and so any epoll entry for it,
            // alive after the handle closes its own: a registration left behind would still show.
            int copy = ProcessHandle.UsesPidfd ? child.WithHandle(fd => Native.Fcntl(fd, Native.F_DUPFD_CLOEXEC, 0)) : -1;
            try
            {
                gate.Dispose();
                ProcessState state = child.Wait();
                Assert.Equal(i % 5, state.ExitCode);
                Assert.Equal(ExitStatusSource.Reaped, state.Source);
                // (The reactor, when it reaped, removes the pidfd just after publishing the state.)
                if (copy >= 0) Assert.True(Fds.Eventually(() => !Fds.WatchedByEpoll(copy)), "the pidfd was left in the exit watcher's epoll set");
            }
            finally
            {
                if (copy >= 0) Native.Close(copy);
            }
        }
        // (Descriptors: LeakTests runs start+Wait cycles, which take this path, alone in its collection.)
    }
}
