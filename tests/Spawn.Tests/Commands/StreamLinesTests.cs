namespace Spawn.Tests.Commands;

/// <summary>StreamLinesAsync with more output than a pipe holds, on both streams, stopped early, and failing.</summary>
public sealed class StreamLinesTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static async Task<List<OutputLine>> CollectAsync(Command command)
    {
        var lines = new List<OutputLine>();
        await foreach (OutputLine line in command.StreamLinesAsync()) lines.Add(line);
        return lines;
    }

    private static IEnumerable<string> Numbers(int count) => Enumerable.Range(1, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Megabytes_of_lines_on_both_streams_arrive_complete_and_in_order_within_each()
    {
        // About 1.3 MB per stream: more than a pipe holds, so many reads, lines cut between them.
        var command = new Command("sh", "-c", "seq 1 200000 & seq 1 200000 >&2; wait");
        List<OutputLine> lines = await CollectAsync(command).WaitAsync(HangGuard);
        Assert.Equal(Numbers(200000), lines.Where(l => l.Source == OutputKind.Stdout).Select(l => l.Text));
        Assert.Equal(Numbers(200000), lines.Where(l => l.Source == OutputKind.Stderr).Select(l => l.Text));
    }

    [Fact]
    public async Task Merged_streams_keep_their_exact_order()
    {
        List<OutputLine> lines = await CollectAsync(new Command("sh", "-c", "seq 1 100000; echo last >&2").WithStderrMerged()).WaitAsync(HangGuard);
        Assert.Equal([.. Numbers(100000), "last"], lines.Select(l => l.Text));
        Assert.All(lines, l => Assert.Equal(OutputKind.Stdout, l.Source));
    }

    [Fact]
    public async Task The_last_line_without_a_newline_still_comes()
    {
        List<OutputLine> lines = await CollectAsync(new Command("printf", "a\\nb\\r\\nlast")).WaitAsync(HangGuard);
        Assert.Equal(["a", "b", "last"], lines.Select(l => l.Text));
    }

    [Fact]
    public async Task Stopping_early_while_both_streams_write_ends_and_reaps_the_child()
    {
        var command = new Command("sh", "-c", "yes err >&2 & exec yes out");
        int count = 0;
        async Task ConsumeAsync()
        {
            await foreach (OutputLine line in command.StreamLinesAsync())
            {
                Assert.Equal(line.Source == OutputKind.Stdout ? "out" : "err", line.Text);
                if (++count == 100_000) break;
            }
        }
        await ConsumeAsync().WaitAsync(HangGuard);
        Assert.Equal(100_000, count);
    }

    [Fact]
    public async Task A_failure_comes_after_every_line_with_the_stderr_tail()
    {
        var lines = new List<OutputLine>();
        var e = await Assert.ThrowsAsync<CommandFailedException>(async () =>
        {
            await foreach (OutputLine line in new Command("sh", "-c", "seq 1 50000; echo boom >&2; exit 3").StreamLinesAsync()) lines.Add(line);
        }).WaitAsync(HangGuard);
        Assert.Equal(3, e.Result.ExitCode);
        Assert.Equal("boom", e.StderrTail);
        // Two pipes share no clock: "boom" may be read before the last of stdout (see RunTests).
        Assert.Equal(Numbers(50000), lines.Where(l => l.Source == OutputKind.Stdout).Select(l => l.Text));
        Assert.Equal(["boom"], lines.Where(l => l.Source == OutputKind.Stderr).Select(l => l.Text));
    }

    [Fact]
    public async Task Cancellation_ends_the_stream_and_the_child()
    {
        using var cts = new CancellationTokenSource();
        int count = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (OutputLine line in new Command("yes").StreamLinesAsync(cancellationToken: cts.Token))
            {
                if (++count == 1000) cts.Cancel();
            }
        }).WaitAsync(HangGuard);
        Assert.True(count >= 1000);
    }

    [Fact]
    public async Task A_slow_consumer_does_not_lose_lines()
    {
        // The consumer waits now and then, so the child fills its pipe and blocks: back-pressure.
        int expected = 1;
        await foreach (OutputLine line in new Command("seq", "1", "300000").StreamLinesAsync())
        {
            Assert.Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), line.Text);
            if (expected++ % 50_000 == 0) await Task.Delay(50);
        }
        Assert.Equal(300001, expected);
    }

    [Fact]
    public async Task ToDelegate_gets_every_line_of_a_large_output_in_order()
    {
        var lines = new List<string>();
        await new Command("seq", "1", "200000").WithStdout(OutputTarget.ToDelegate(lines.Add)).RunAsync().WaitAsync(HangGuard);
        Assert.Equal(Numbers(200000), lines);
    }
}
