namespace Spawn.Tests.Api;

/// <summary>A line stream ends with the run's result.</summary>
public sealed class StreamResultTests
{
    [Fact]
    public async Task The_result_is_there_after_the_last_line()
    {
        var lines = new Command("sh", "-c", "echo one; echo two >&2; exit 3").WithThrowOnFailure(false).StreamLinesAsync();
        var seen = new List<OutputLine>();
        await foreach (OutputLine line in lines) seen.Add(line);
        CommandResult result = await lines.Result;
        Assert.Equal(3, result.ExitCode);
        Assert.Equal(CommandOutcome.NonZeroExit, result.Outcome);
        Assert.Equal([new OutputLine(OutputKind.Stdout, "one"), new OutputLine(OutputKind.Stderr, "two")], seen.OrderBy(l => l.Source));
    }

    [Fact]
    public async Task StreamLinesAsync_takes_a_token_alone()
    {
        using var cts = new CancellationTokenSource();
        var lines = new Command("sh", "-c", "echo a; echo b").StreamLinesAsync(cts.Token);
        var texts = new List<string>();
        await foreach (OutputLine line in lines) texts.Add(line.Text);
        Assert.Equal(["a", "b"], texts);
        Assert.Equal(CommandOutcome.Succeeded, (await lines.Result).Outcome);
    }

    [Fact]
    public async Task A_failure_throws_after_the_lines_and_the_result_is_still_there()
    {
        var lines = new Command("sh", "-c", "echo out; exit 4").StreamLinesAsync();
        var e = await Assert.ThrowsAsync<CommandFailedException>(async () =>
        {
            await foreach (OutputLine _ in lines)
            {
            }
        });
        Assert.Same(e.Result, await lines.Result);
    }

    [Fact]
    public async Task Cancellation_without_throwing_ends_the_enumeration_and_says_so()
    {
        using var cts = new CancellationTokenSource();
        var lines = new Command("sh", "-c", "while :; do echo tick; sleep 0.01; done").WithThrowOnFailure(false).StreamLinesAsync(cts.Token);
        int count = 0;
        await foreach (OutputLine _ in lines)
        {
            if (++count == 3) cts.Cancel();
        }
        CommandResult result = await lines.Result.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(CommandOutcome.Canceled, result.Outcome);
    }

    [Fact]
    public async Task Cancellation_through_WithCancellation_cancels_the_run()
    {
        using var cts = new CancellationTokenSource();
        var lines = new Command("sh", "-c", "while :; do echo tick; sleep 0.01; done").StreamLinesAsync();
        var e = await Assert.ThrowsAsync<CommandCanceledException>(async () =>
        {
            await foreach (OutputLine _ in lines.WithCancellation(cts.Token)) cts.Cancel();
        });
        Assert.Equal(CommandOutcome.Canceled, e.Result.Outcome);
    }

    [Fact]
    public async Task Stopping_early_gives_the_result_of_the_killed_process()
    {
        var lines = new Command("sh", "-c", "while :; do echo tick; done").WithThrowOnFailure(false).StreamLinesAsync();
        await foreach (OutputLine _ in lines) break;
        CommandResult result = await lines.Result.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.State.Signal == Signals.SIGKILL, $"ended with {result.State}");
    }

    [Fact]
    public async Task A_stream_is_enumerated_once()
    {
        var lines = new Command("true").StreamLinesAsync();
        await foreach (OutputLine _ in lines)
        {
        }
        Assert.Throws<InvalidOperationException>(() => lines.GetAsyncEnumerator());
    }

    [Fact]
    public async Task A_start_failure_faults_the_result_too()
    {
        var lines = new Command("/nonexistent/program").StreamLinesAsync();
        await Assert.ThrowsAsync<ProcessStartException>(async () =>
        {
            await foreach (OutputLine _ in lines)
            {
            }
        });
        await Assert.ThrowsAsync<ProcessStartException>(() => lines.Result);
    }
}
