using System.Diagnostics;

namespace Spawn.Tests.Api;

/// <summary>WithThrowOnFailure(false): the process's own behaviour never throws; the result says what happened.</summary>
public sealed class OutcomeTests
{
    private static Command Quiet(string program, params string[] args) => new Command(program, args).WithThrowOnFailure(false);

    [Fact]
    public async Task Success_is_Succeeded()
    {
        CommandResult result = await Quiet("true").RunAsync();
        Assert.Equal(CommandOutcome.Succeeded, result.Outcome);
        Assert.False(result.Canceled);
        Assert.False(result.TimedOut);
    }

    [Fact]
    public async Task A_non_zero_exit_is_returned_not_thrown()
    {
        CommandResult result = await Quiet("sh", "-c", "exit 7").RunAsync();
        Assert.Equal(CommandOutcome.NonZeroExit, result.Outcome);
        Assert.Equal(7, result.ExitCode);
    }

    [Fact]
    public async Task A_signal_is_returned_not_thrown()
    {
        CommandResult result = await Quiet("sh", "-c", "kill -TERM $$").RunAsync();
        Assert.Equal(CommandOutcome.Signaled, result.Outcome);
        Assert.Equal(Signals.SIGTERM, result.State.Signal);
    }

    [Fact]
    public async Task A_timeout_is_returned_not_thrown()
    {
        var clock = Stopwatch.StartNew();
        CommandResult result = await Quiet("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(200)).RunAsync();
        Assert.Equal(CommandOutcome.TimedOut, result.Outcome);
        Assert.True(result.TimedOut);
        Assert.Equal(Signals.SIGTERM, result.State.Signal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
        Assert.Contains("timed out", result.ToString());
    }

    [Fact]
    public async Task A_cancellation_is_returned_not_thrown()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        CommandResult result = await Quiet("sleep", "30").RunAsync(cts.Token);
        Assert.Equal(CommandOutcome.Canceled, result.Outcome);
        Assert.True(result.Canceled);
        Assert.NotNull(result.State.Signal);
    }

    [Fact]
    public async Task An_expired_wait_delay_is_returned_with_the_outcome_of_the_process()
    {
        // The shell exits at once; the backgrounded sleep keeps the captured stdout open.
        BufferedCommandResult result = await Quiet("sh", "-c", "sleep 5 & echo started; exit 3")
            .WithWaitDelay(TimeSpan.FromMilliseconds(200)).OutputAsync();
        Assert.True(result.WaitDelayExpired);
        Assert.Equal(CommandOutcome.NonZeroExit, result.Outcome);
        Assert.Equal("started\n", result.StandardOutput);
    }

    [Fact]
    public async Task Captures_return_the_outcome_too()
    {
        BufferedCommandResult text = await Quiet("sh", "-c", "echo out; echo err >&2; exit 2").OutputAsync();
        Assert.Equal(CommandOutcome.NonZeroExit, text.Outcome);
        Assert.Equal("out\n", text.StandardOutput);
        Assert.Equal("err\n", text.StandardError);
        BinaryCommandResult bytes = await Quiet("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(100)).OutputBytesAsync();
        Assert.Equal(CommandOutcome.TimedOut, bytes.Outcome);
    }

    [Fact]
    public void Synchronous_forms_return_the_outcome_too()
    {
        Assert.Equal(CommandOutcome.TimedOut, Quiet("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(100)).Run().Outcome);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.Equal(CommandOutcome.Canceled, Quiet("sleep", "30").Output(cts.Token).Outcome);
    }

    [Fact]
    public async Task A_child_process_waited_for_returns_the_outcome()
    {
        await using ChildProcess child = Quiet("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(100)).Start();
        CommandResult result = await child.WaitAsync();
        Assert.Equal(CommandOutcome.TimedOut, result.Outcome);
    }

    [Fact]
    public async Task The_throwing_default_is_unchanged_and_carries_the_same_result_type()
    {
        var timeout = await Assert.ThrowsAsync<CommandTimeoutException>(() => new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(100)).RunAsync());
        Assert.Equal(CommandOutcome.TimedOut, timeout.Result.Outcome);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var canceled = await Assert.ThrowsAsync<CommandCanceledException>(() => new Command("sleep", "30").RunAsync(cts.Token));
        Assert.Equal(CommandOutcome.Canceled, canceled.Result.Outcome);
        var failed = await Assert.ThrowsAsync<CommandFailedException>(() => new Command("false").RunAsync());
        Assert.Equal(CommandOutcome.NonZeroExit, failed.Result.Outcome);
    }

    [Fact]
    public async Task Exit_code_validation_off_still_throws_for_a_timeout()
    {
        await Assert.ThrowsAsync<CommandTimeoutException>(() =>
            new Command("sleep", "30").WithExitCodeValidation(false).WithTimeout(TimeSpan.FromMilliseconds(100)).RunAsync());
    }

    [Fact]
    public void The_setting_is_kept_by_copies()
    {
        Command command = Quiet("true").WithArguments("x").WithTimeout(TimeSpan.FromSeconds(1));
        Assert.False(command.ThrowsOnFailure);
        Assert.True(new Command("true").ThrowsOnFailure);
    }
}

/// <summary>The With... siblings and the hint for a whole command line given as the program.</summary>
public sealed class BuilderSiblingTests
{
    [Fact]
    public void A_command_line_as_the_program_hints_at_separate_arguments()
    {
        var e = Assert.Throws<ProcessStartException>(() => new Command("git --version").Start());
        Assert.Equal("ENOENT", e.ErrorName);
        Assert.Contains("arguments go in separate strings", e.Message);
        Assert.Contains("new Command(\"git\", \"--version\")", e.Message);

        var path = Assert.Throws<ProcessStartException>(() => new Command("/bin/sh -c true").Start());
        Assert.Contains("new Command(\"/bin/sh\", \"-c\", \"true\")", path.Message);
    }

    [Fact]
    public void No_hint_when_the_first_word_is_no_program_either()
    {
        var e = Assert.Throws<ProcessStartException>(() => new Command("no-such-program-xyz --flag").Start());
        Assert.DoesNotContain("separate strings", e.Message);
        Assert.Contains("not found in PATH", e.Message);
    }

    [Fact]
    public async Task Stderr_goes_to_a_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"spawn-stderr-{Guid.NewGuid():N}");
        try
        {
            await new Command("sh", "-c", "echo first >&2").WithStderrFile(path).RunAsync();
            await new Command("sh", "-c", "echo second >&2").WithStderrFile(path, append: true).RunAsync();
            Assert.Equal("first\nsecond\n", await File.ReadAllTextAsync(path));
            await new Command("sh", "-c", "echo out").WithStdoutFile(path, append: true).RunAsync();
            Assert.Equal("first\nsecond\nout\n", await File.ReadAllTextAsync(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_async_delegate_gets_every_line_in_order_and_slows_the_child()
    {
        var lines = new List<string>();
        await new Command("seq", "1", "2000").WithStdout(OutputTarget.ToDelegate(async line =>
        {
            if (line == "1000") await Task.Delay(50);
            lines.Add(line);
        })).RunAsync();
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), lines);
    }
}
