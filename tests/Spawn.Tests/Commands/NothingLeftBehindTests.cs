using System.Diagnostics;

namespace Spawn.Tests.Commands;

/// <summary>
/// Commands never hang and leave nothing behind: the pipes Spawn keeps for itself never delay the
/// result, and a timeout, a cancellation or a disposal ends the call within the grace period plus
/// a short bound, with nothing the command started still running. The descendants are found by the
/// PIDs they record themselves and checked through their handles (see <see cref="Sleepers"/>).
/// Bounds are generous (the machine is shared); each case took about the full sleep before.
/// </summary>
public sealed class NothingLeftBehindTests(ITestOutputHelper output)
{
    /// <summary>Timeout 2 s + grace 5 s (the default) + the default cancel bound 1 s, with room to spare; the old behaviour took 15 s.</summary>
    private static readonly TimeSpan CancelBound = TimeSpan.FromSeconds(11);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>`bash -c "sleep 15; echo done"` whose sleep records its PID.</summary>
    private static Command FifteenSecondBash(Sleepers sleepers) => new("bash", "-c", $"{sleepers.Sleeper(15)}; echo done");

    private void Took(Stopwatch clock, TimeSpan bound)
    {
        output.WriteLine($"returned after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(clock.Elapsed < bound, $"took {clock.Elapsed}, bound {bound}");
    }

    [Fact]
    public async Task A_background_job_holding_the_stderr_tails_pipe_does_not_delay_the_result()
    {
        await using var sleepers = new Sleepers();
        var clock = Stopwatch.StartNew();
        CommandResult result = await new Command("sh", "-c", $"{sleepers.Sleeper(30)} & exit 0").RunAsync();
        Took(clock, TimeSpan.FromSeconds(5)); // was 30 s: the job held the pipe
        Assert.Equal(0, result.ExitCode);
        Assert.False(result.WaitDelayExpired);
        // Not cancelled: the job is the command's business, and it still runs.
        await sleepers.FindAsync(1);
        Assert.Equal(1, sleepers.Running);
    }

    [Fact]
    public async Task The_stderr_tail_has_all_a_child_wrote_before_its_exit_while_a_job_holds_the_pipe()
    {
        await using var sleepers = new Sleepers();
        var command = new Command("sh", "-c", $"{sleepers.Sleeper(30)} & head -c 1048576 /dev/zero | tr '\\0' x >&2; echo >&2; echo last words >&2; exit 3");
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CommandFailedException>(() => command.RunAsync());
        Took(clock, TimeSpan.FromSeconds(10));
        Assert.Equal(3, e.Result.ExitCode);
        // The tail starts at a line boundary: the megabyte of x's was one line.
        Assert.Equal("last words", e.StderrTail);
        await sleepers.FindAsync(1); // still running (not cancelled): ended by the test
    }

    [Fact]
    public async Task A_child_that_writes_a_megabyte_and_exits_at_once_loses_no_byte()
    {
        BinaryCommandResult alone = await new Command(Support.ChildProgram.Path, "write-stdout", "1M").OutputBytesAsync();
        Assert.Equal(1 << 20, alone.StandardOutput.Length);
        BinaryCommandResult merged = await new Command(Support.ChildProgram.Path, "write-both", "1M").WithStderrMerged().OutputBytesAsync();
        Assert.Equal(2 << 20, merged.StandardOutput.Length);
    }

    [Fact]
    public async Task OutputAsync_past_its_timeout_ends_within_the_bound_and_leaves_no_descendant()
    {
        await using var sleepers = new Sleepers();
        var clock = Stopwatch.StartNew();
        Task<BufferedCommandResult> run = FifteenSecondBash(sleepers).WithTimeout(Timeout).OutputAsync();
        await sleepers.FindAsync(1);
        var e = await Assert.ThrowsAsync<CommandTimeoutException>(() => run);
        Took(clock, CancelBound);
        Assert.Equal(Signals.SIGTERM, e.Result.State.Signal);
        Assert.True(await sleepers.AllEndedAsync(), "the sleep is still running");
    }

    [Fact]
    public async Task RunAsync_with_inherited_stdout_past_its_timeout_ends_within_the_bound_and_leaves_no_descendant()
    {
        await using var sleepers = new Sleepers();
        var clock = Stopwatch.StartNew();
        Task<CommandResult> run = FifteenSecondBash(sleepers).WithStdout(OutputTarget.Inherit).WithTimeout(Timeout).RunAsync();
        await sleepers.FindAsync(1);
        await Assert.ThrowsAsync<CommandTimeoutException>(() => run);
        Took(clock, CancelBound);
        Assert.True(await sleepers.AllEndedAsync(), "the sleep is still running");
    }

    [Fact]
    public async Task StreamLinesAsync_past_its_timeout_ends_within_the_bound_and_leaves_no_descendant()
    {
        await using var sleepers = new Sleepers();
        var clock = Stopwatch.StartNew();
        var lines = new List<OutputLine>();
        await Assert.ThrowsAsync<CommandTimeoutException>(async () =>
        {
            await foreach (OutputLine line in new Command("bash", "-c", $"echo started; {sleepers.Sleeper(15)}; echo done").WithTimeout(Timeout).StreamLinesAsync())
            {
                lines.Add(line);
            }
        });
        Took(clock, CancelBound);
        Assert.Equal([new(OutputKind.Stdout, "started")], lines);
        await sleepers.FindAsync(1);
        Assert.True(await sleepers.AllEndedAsync(), "the sleep is still running");
    }

    [Fact]
    public async Task A_cancelled_pipeline_ends_within_the_bound_and_leaves_no_descendant()
    {
        await using var sleepers = new Sleepers();
        using var cts = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        Task<BufferedPipelineResult> run = (FifteenSecondBash(sleepers) | new Command("cat")).OutputAsync(cts.Token);
        await sleepers.FindAsync(1);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Took(clock, CancelBound);
        Assert.True(await sleepers.AllEndedAsync(), "the sleep is still running");
    }

    [Fact]
    public async Task Dispose_of_a_running_command_ends_it_and_its_descendants_at_once()
    {
        await using var sleepers = new Sleepers();
        ChildProcess child = FifteenSecondBash(sleepers).WithStdout(OutputTarget.Pipe).Start();
        await sleepers.FindAsync(1);
        var clock = Stopwatch.StartNew();
        child.Dispose();
        Took(clock, TimeSpan.FromSeconds(5));
        Assert.Equal(Signals.SIGKILL, child.Handle.HasExited ? child.Handle.Wait().Signal : null);
        Assert.True(await sleepers.AllEndedAsync(), "the sleep is still running");
    }

    [Fact]
    public async Task DisposeAsync_of_a_running_pipeline_ends_every_member_and_their_descendants()
    {
        await using var sleepers = new Sleepers();
        PipelineProcess pipeline = (new Command("bash", "-c", $"{sleepers.Sleeper(15)} & {sleepers.Sleeper(15)}; wait") | new Command("cat")).Start();
        await sleepers.FindAsync(2);
        var clock = Stopwatch.StartNew();
        await pipeline.DisposeAsync();
        Took(clock, TimeSpan.FromSeconds(5));
        Assert.True(await sleepers.AllEndedAsync(), "a sleep is still running");
    }

    [Fact]
    public async Task Cancelling_a_shell_waiting_for_background_jobs_ends_every_job()
    {
        await using var sleepers = new Sleepers();
        using var cts = new CancellationTokenSource();
        Task<CommandResult> run = new Command("bash", "-c", $"{sleepers.Sleeper(30)} & {sleepers.Sleeper(30)} & wait").RunAsync(cts.Token);
        await sleepers.FindAsync(2);
        var clock = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAsync<CommandCanceledException>(() => run);
        Took(clock, CancelBound);
        Assert.True(await sleepers.AllEndedAsync(), "a job is still running");
    }

    [Fact]
    public async Task A_timeout_ends_a_tree_several_levels_deep_like_make_j()
    {
        await using var sleepers = new Sleepers();
        // A make -j shape: a shell that runs sub-shells, each running jobs in parallel, all waited for.
        string script = sleepers.Script($"""
            ( {sleepers.Sleeper(30)} & {sleepers.Sleeper(30)} & wait ) &
            ( ( {sleepers.Sleeper(30)} & wait ) & wait ) &
            {sleepers.Sleeper(30)} &
            wait
            """);
        var clock = Stopwatch.StartNew();
        Task<BufferedCommandResult> run = new Command(script).WithTimeout(Timeout).OutputAsync();
        await sleepers.FindAsync(4);
        await Assert.ThrowsAsync<CommandTimeoutException>(() => run);
        Took(clock, CancelBound);
        Assert.True(await sleepers.AllEndedAsync(), $"{sleepers.Running} of 4 still running");
    }

    [Fact]
    public async Task A_child_that_ignores_SIGTERM_is_killed_with_its_descendants_after_the_grace_period()
    {
        await using var sleepers = new Sleepers();
        // The trap is inherited: the jobs ignore SIGTERM too.
        var command = new Command("bash", "-c", $"trap '' TERM; {sleepers.Sleeper(30)} & {sleepers.Sleeper(30)}; wait")
            .WithTimeout(TimeSpan.FromMilliseconds(500)).WithCancelSignal(Signals.SIGTERM, TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();
        Task<CommandResult> run = command.RunAsync();
        await sleepers.FindAsync(2);
        var e = await Assert.ThrowsAsync<CommandTimeoutException>(() => run);
        Took(clock, TimeSpan.FromSeconds(8));
        Assert.Equal(Signals.SIGKILL, e.Result.State.Signal);
        Assert.True(await sleepers.AllEndedAsync(), "a job is still running");
    }

    [Fact]
    public async Task A_timeout_after_the_exit_ends_a_wait_for_a_pipe_an_orphan_holds()
    {
        // The shell exits at once; the orphaned job (re-parented away, out of reach) holds the
        // captured stdout. The timeout still ends the call, after the default bound.
        await using var sleepers = new Sleepers();
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<CommandTimeoutException>(() =>
            new Command("sh", "-c", $"{sleepers.Sleeper(30)} & exit 0").WithTimeout(Timeout).OutputAsync());
        Took(clock, TimeSpan.FromSeconds(8));
        Assert.True(e.Result.WaitDelayExpired);
        Assert.Equal(0, e.Result.ExitCode);
        await sleepers.FindAsync(1); // still running (out of reach of the walk): ended by the test
    }
}
