using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

public sealed class RunTests
{
    private static Command Child(params string[] args) => new(ChildProgram.Path, args);

    [Fact]
    public async Task RunAsync_returns_the_exit_state_and_run_time()
    {
        CommandResult result = await new Command("sleep", "0.2").RunAsync();
        Assert.Equal(0, result.ExitCode);
        Assert.True(result.Success);
        Assert.True(result.RunTime >= TimeSpan.FromMilliseconds(150), result.RunTime.ToString());
        Assert.False(result.WaitDelayExpired);
    }

    [Fact]
    public async Task A_non_zero_exit_throws_with_the_command_state_and_stderr_tail()
    {
        var command = new Command("sh", "-c", "echo 'first line' >&2; echo 'it broke' >&2; exit 3");
        var e = await Assert.ThrowsAsync<CommandFailedException>(() => command.RunAsync());
        Assert.Equal(3, e.Result.ExitCode);
        Assert.Same(command, e.Command);
        Assert.Equal("first line\nit broke", e.StderrTail);
        Assert.Contains("exit status 3", e.Message);
        Assert.Contains("it broke", e.Message);
        Assert.Contains("sh -c", e.Message);
    }

    [Fact]
    public async Task Validation_can_be_turned_off()
    {
        var result = await new Command("sh", "-c", "exit 5").WithExitCodeValidation(false).RunAsync();
        Assert.Equal(5, result.ExitCode);
    }

    [Fact]
    public async Task Captured_failure_still_throws_and_keeps_the_state()
    {
        var e = await Assert.ThrowsAsync<CommandFailedException>(() => new Command("sh", "-c", "echo out; echo err >&2; exit 1").OutputAsync());
        Assert.Equal("err", e.StderrTail);
        Assert.Equal(1, e.Result.ExitCode);
    }

    [Fact]
    public async Task Lines_stream_tagged_with_each_stream_in_order()
    {
        var lines = new List<OutputLine>();
        await foreach (OutputLine line in Child("lines", "100").StreamLinesAsync())
        {
            lines.Add(line);
        }
        Assert.Equal(100, lines.Count);
        // Within a stream the order is exact; odd lines went to stdout, even ones to stderr.
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"line {(2 * i) + 1}"), lines.Where(l => l.Source == OutputKind.Stdout).Select(l => l.Text));
        Assert.Equal(Enumerable.Range(1, 50).Select(i => $"line {2 * i}"), lines.Where(l => l.Source == OutputKind.Stderr).Select(l => l.Text));
    }

    [Fact]
    public async Task Lines_from_both_streams_come_in_arrival_order()
    {
        // Two pipes carry no common clock: lines written to both in the same instant may be read in
        // either order (WithStderrMerged keeps exact order). Lines apart in time arrive in order.
        var command = new Command("sh", "-c", "echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three");
        var lines = new List<OutputLine>();
        await foreach (OutputLine line in command.StreamLinesAsync()) lines.Add(line);
        Assert.Equal([new(OutputKind.Stdout, "one"), new(OutputKind.Stderr, "two"), new(OutputKind.Stdout, "three")], lines);
    }

    [Fact]
    public async Task Stopping_a_line_stream_early_kills_the_child()
    {
        int count = 0;
        await foreach (OutputLine line in new Command("yes").StreamLinesAsync())
        {
            Assert.Equal("y", line.Text);
            if (++count == 1000) break;
        }
        Assert.Equal(1000, count);
    }

    [Fact]
    public async Task Cancellation_of_a_child_that_ignores_SIGTERM_kills_it_after_the_grace_period()
    {
        using var cts = new CancellationTokenSource();
        var command = Child("ignore", "TERM", "then-sleep", "30")
            .WithStdout(OutputTarget.Pipe)
            .WithCancelSignal(Signals.SIGTERM, TimeSpan.FromMilliseconds(300));
        await using ChildProcess child = command.Start(cts.Token);
        Assert.Equal("ready", await new StreamReader(child.Stdout!).ReadLineAsync());
        cts.Cancel();
        var e = await Assert.ThrowsAsync<CommandCanceledException>(() => child.WaitAsync());
        Assert.Equal(Signals.SIGKILL, e.Result.State.Signal);
        Assert.Equal(cts.Token, e.CancellationToken);
    }

    [Fact]
    public async Task Cancellation_of_a_child_that_handles_SIGTERM_ends_with_its_own_exit()
    {
        using var cts = new CancellationTokenSource();
        await using ChildProcess child = Child("trap", "TERM", "0").WithStdout(OutputTarget.Pipe).Start(cts.Token);
        var reader = new StreamReader(child.Stdout!);
        Assert.Equal("ready", await reader.ReadLineAsync());
        cts.Cancel();
        var e = await Assert.ThrowsAsync<CommandCanceledException>(() => child.WaitAsync());
        Assert.Equal(0, e.Result.ExitCode);
        Assert.IsNotType<CommandTimeoutException>(e);
    }

    [Fact]
    public async Task Timeout_is_told_apart_from_cancellation_and_carries_the_state()
    {
        var e = await Assert.ThrowsAsync<CommandTimeoutException>(() =>
            new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(200)).RunAsync());
        Assert.Equal(Signals.SIGTERM, e.Result.State.Signal);
        Assert.Equal(TimeSpan.FromMilliseconds(200), e.Timeout);
    }

    [Fact]
    public async Task A_grandchild_holding_stdout_open_is_cut_off_by_the_wait_delay()
    {
        var started = DateTime.UtcNow;
        var result = await Child("grandchild", "30").WithWaitDelay(TimeSpan.FromMilliseconds(500)).OutputAsync()
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(result.WaitDelayExpired);
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("pid ", result.StandardOutput, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(15));

        // Clean up the grandchild by its own handle.
        int grandchild = int.Parse(result.StandardOutput.Trim()[4..], System.Globalization.CultureInfo.InvariantCulture);
        using var handle = ProcessHandle.Find(grandchild);
        handle.Kill();
        await handle.WaitAsync();
    }

    [Fact]
    public async Task Cancellation_signals_the_whole_process_group_when_asked()
    {
        using var cts = new CancellationTokenSource();
        await using ChildProcess child = new Command("sh", "-c", "sleep 30 & echo $!; wait")
            .WithNewProcessGroup().WithStdout(OutputTarget.Pipe).Start(cts.Token);
        int grandchild = int.Parse((await new StreamReader(child.Stdout!).ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        using var grandchildHandle = ProcessHandle.Find(grandchild);
        cts.Cancel();
        await Assert.ThrowsAsync<CommandCanceledException>(() => child.WaitAsync());
        var state = await grandchildHandle.WaitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(grandchildHandle.HasExited);
        _ = state;
    }
}
