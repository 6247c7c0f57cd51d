using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// Where an exit wait's continuations run: by default never on Spawn's own threads; with
/// <see cref="ExitContinuation.Inline"/> on the thread that saw the exit (the epoll reactor in handle
/// mode, the child reaper in PID mode), with cancellation, timeouts and failures working as before.
/// </summary>
public sealed class ExitContinuationTests
{
    private const string Reactor = "Spawn epoll reactor";
    private const string Reaper = "Spawn child reaper";
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>The thread that sees a child's exit in this mode.</summary>
    private static string Watcher => ProcessHandle.UsesPidfd ? Reactor : Reaper;

    /// <summary>What a continuation saw of where it ran.</summary>
    private sealed record Where(string? ThreadName, bool PoolThread, bool HandleDone);

    /// <summary>
    /// A continuation that runs where it is invoked (ExecuteSynchronously: a task that runs its
    /// continuations asynchronously still queues it), recording its thread and the handle's state.
    /// </summary>
    private static Task<Where> Record(Task task, ProcessHandle handle) =>
        task.ContinueWith(
            _ => new Where(Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread, handle.HasExited),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>An awaiting caller: the thread the code after the await runs on.</summary>
    private static async Task<string?> ResumedOn(Task task)
    {
        await task.ConfigureAwait(false);
        return Thread.CurrentThread.Name;
    }

    /// <summary>A sleeping child, killed once <paramref name="wait"/> is pending on it.</summary>
    private static async Task<Where> KillAndRecord(ProcessHandle child, Func<ProcessHandle, Task> wait)
    {
        Task pending = wait(child);
        Assert.False(pending.IsCompleted);
        Task<Where> where = Record(pending, child);
        Assert.True(child.Kill());
        await pending.WaitAsync(HangGuard);
        return await where.WaitAsync(HangGuard);
    }

    [Fact]
    public async Task By_default_a_handle_wait_resumes_on_the_pool_not_on_Spawns_threads()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Where where = await KillAndRecord(child, c => c.WaitAsync());
        Assert.True(where.PoolThread, $"ran on '{where.ThreadName}'");
        Assert.NotEqual(Reactor, where.ThreadName);
        Assert.NotEqual(Reaper, where.ThreadName);

        using var explicitly = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Where alsoPool = await KillAndRecord(explicitly, c => c.WaitAsync(ExitContinuation.ThreadPool));
        Assert.True(alsoPool.PoolThread, $"ran on '{alsoPool.ThreadName}'");
    }

    [Fact]
    public async Task An_inline_handle_wait_resumes_on_the_thread_that_saw_the_exit()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Where where = await KillAndRecord(child, c => c.WaitAsync(ExitContinuation.Inline));
        Assert.Equal(Watcher, where.ThreadName);
        // It runs once the wait state has settled: the exit is published and the status is Done.
        Assert.True(where.HandleDone);
        Assert.Equal(Signals.SIGKILL, (await child.WaitAsync(ExitContinuation.Inline)).Signal);
        Assert.False(child.Signal(0));
    }

    [Fact]
    public async Task An_awaiting_caller_of_an_inline_wait_resumes_on_the_watcher_also_through_a_token()
    {
        // (One awaiter per process: of several awaiters of one task, .NET runs one inline and
        // queues the others to the pool.)
        using var cts = new CancellationTokenSource();
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var other = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Task<string?> plain = ResumedOn(child.WaitAsync(ExitContinuation.Inline));
        // With a token that can cancel, the wait goes through Task.WaitAsync, which must not add a hop.
        Task<string?> withToken = ResumedOn(other.WaitAsync(ExitContinuation.Inline, cts.Token));
        child.Kill();
        other.Kill();
        Assert.Equal(Watcher, await plain.WaitAsync(HangGuard));
        Assert.Equal(Watcher, await withToken.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task A_handle_started_with_inline_continuations_waits_inline_by_default()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], new StartOptions { ExitContinuation = ExitContinuation.Inline });
        Where where = await KillAndRecord(child, c => c.WaitAsync());
        Assert.Equal(Watcher, where.ThreadName);

        // A wait may still ask for the pool.
        using var other = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], new StartOptions { ExitContinuation = ExitContinuation.Inline });
        Where pooled = await KillAndRecord(other, c => c.WaitAsync(ExitContinuation.ThreadPool));
        Assert.True(pooled.PoolThread, $"ran on '{pooled.ThreadName}'");
    }

    [Fact]
    public async Task An_inline_continuation_runs_without_the_wait_states_lock()
    {
        // Another thread's Signal takes the wait state's lock in PID mode: it would wait for the
        // continuation to return if the continuation ran under that lock (bounded here, not a hang).
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        Task<bool> signalledMeanwhile = child.WaitAsync(ExitContinuation.Inline).ContinueWith(
            _ => Task.Factory.StartNew(() => child.Signal(0), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(10)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        child.Kill();
        Assert.True(await signalledMeanwhile.WaitAsync(HangGuard), "another thread's Signal waited for the inline continuation");
        Assert.False(child.Signal(0));
    }

    [Fact]
    public async Task An_inline_wait_can_be_cancelled_and_leaves_the_process_alone()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitAsync(ExitContinuation.Inline, cts.Token).WaitAsync(HangGuard));
        Assert.False(child.HasExited);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => child.WaitAsync(ExitContinuation.Inline, new CancellationToken(true)));
        Assert.True(child.Kill());
        Assert.Equal(Signals.SIGKILL, (await child.WaitAsync(ExitContinuation.Inline).WaitAsync(HangGuard)).Signal);
    }

    [Fact]
    public async Task A_finished_process_completes_an_inline_wait_at_once()
    {
        using var child = ProcessHandle.Start("/bin/true", ["true"]);
        ProcessState state = child.Wait();
        Task<ProcessState> wait = child.WaitAsync(ExitContinuation.Inline);
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.Same(state, await wait);
    }

    [Fact]
    public async Task An_inline_wait_on_a_found_process_fails_when_its_handle_is_disposed()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        var found = ProcessHandle.Find(child.Pid);
        Task<ProcessState> wait = found.WaitAsync(ExitContinuation.Inline);
        found.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => wait.WaitAsync(HangGuard));
        child.Kill();
        child.Wait();
    }

    [Fact]
    public async Task An_inline_wait_on_a_found_process_completes_when_it_exits()
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var found = ProcessHandle.Find(child.Pid);
        Task<ProcessState> wait = found.WaitAsync(ExitContinuation.Inline);
        child.Kill();
        child.Wait();
        await wait.WaitAsync(HangGuard);
        Assert.True(found.HasExited);
    }

    [Fact]
    public void Values_that_are_not_an_ExitContinuation_are_refused()
    {
        using var child = ProcessHandle.Start("/bin/true", ["true"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = child.WaitAsync((ExitContinuation)7); });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("/bin/true").WithExitContinuation((ExitContinuation)(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProcessHandle.Start("/bin/true", ["true"], new StartOptions { ExitContinuation = (ExitContinuation)2 }));
        child.Wait();
    }

    [Fact]
    public async Task By_default_a_command_wait_resumes_on_the_pool()
    {
        await using ChildProcess child = new Command("/bin/sleep", "30").WithExitCodeValidation(false).Start();
        Task<string?> resumed = ResumedOn(child.WaitAsync());
        Task<string?> handle = ResumedOn(child.Handle.WaitAsync());
        Assert.False(resumed.IsCompleted);
        child.Kill();
        Assert.NotEqual(Watcher, await resumed.WaitAsync(HangGuard));
        Assert.NotEqual(Watcher, await handle.WaitAsync(HangGuard));
        Assert.Equal(ExitContinuation.ThreadPool, child.Command.ExitContinuation);
    }

    [Fact]
    public async Task An_inline_command_completes_on_the_thread_that_saw_the_exit()
    {
        // Stderr is discarded but its tail kept (a pipe of Spawn's own, read on the reactor): the run
        // still ends where the exit is seen, its awaiters and its handle's with it.
        Command command = new Command("/bin/sleep", "30").WithExitCodeValidation(false).WithExitContinuation(ExitContinuation.Inline);
        Assert.Equal(ExitContinuation.Inline, command.WithTimeout(TimeSpan.FromSeconds(1)).ExitContinuation);
        await using ChildProcess child = command.Start();
        Task<string?> resumed = ResumedOn(child.WaitAsync());
        Assert.False(resumed.IsCompleted);
        child.Kill();
        Assert.Equal(Watcher, await resumed.WaitAsync(HangGuard));
        CommandResult result = await child.WaitAsync();
        Assert.Equal(Signals.SIGKILL, result.State.Signal);

        // The child's handle waits inline by default too (its only awaiter here).
        await using ChildProcess second = command.Start();
        Task<string?> handle = ResumedOn(second.Handle.WaitAsync());
        second.Kill();
        Assert.Equal(Watcher, await handle.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task An_inline_command_runs_captures_and_reports_failures_as_before()
    {
        Command command = new Command("/bin/sh", "-c", "echo out; echo err >&2; exit 3").WithExitContinuation(ExitContinuation.Inline);
        CommandFailedException failed = await Assert.ThrowsAsync<CommandFailedException>(() => command.RunAsync().WaitAsync(HangGuard));
        Assert.Contains("err", failed.Message, StringComparison.Ordinal);
        BufferedCommandResult output = await command.WithExitCodeValidation(false).OutputAsync().WaitAsync(HangGuard);
        Assert.Equal("out\n", output.StandardOutput);
        Assert.Equal("err\n", output.StandardError);
        Assert.Equal(3, output.State.ExitCode);
        Assert.Equal(0, command.WithArguments("-c", "exit 0").Run().State.ExitCode);
    }

    [Fact]
    public async Task An_inline_command_still_times_out_and_is_cancelled_and_ends_its_descendants_off_the_watcher()
    {
        // The timeout and the cancellation end the child and its descendants; that part hops to the
        // pool, so the awaiter does not resume on the watcher.
        Command sleeper = new Command("/bin/sh", "-c", "sleep 30 & wait").WithExitContinuation(ExitContinuation.Inline)
            .WithCancelSignal(Signals.SIGKILL, TimeSpan.FromSeconds(5));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAsync<CommandTimeoutException>(() => sleeper.WithTimeout(TimeSpan.FromMilliseconds(200)).RunAsync().WaitAsync(HangGuard));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await using ChildProcess child = sleeper.WithThrowOnFailure(false).Start(cts.Token);
        Task<string?> resumed = ResumedOn(child.WaitAsync());
        Assert.NotEqual(Watcher, await resumed.WaitAsync(HangGuard));
        CommandResult result = await child.WaitAsync();
        Assert.Equal(CommandOutcome.Canceled, result.Outcome);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the timeout and the cancellation took too long");
    }
}
