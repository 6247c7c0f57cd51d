using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

/// <summary>Counts process-wide fds and threads, so it runs in the isolated collection.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class CommandLeakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_failing_start_with_all_three_pipes_leaks_no_fd()
    {
        await new Command("true").RunAsync(); // first use creates lasting fds (epoll, /dev/null)
        // Compared by number and target, not counted: a descriptor of the warm-up run may still be
        // closing when this is read (the exit watcher releases the pidfd after the result is out),
        // and a count would let that close hide a leaked descriptor.
        IReadOnlyDictionary<int, string> before = Fds.Table();
        var command = new Command("/no/such/program")
            .WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).WithStderr(OutputTarget.Pipe);
        for (int i = 0; i < 6; i++)
        {
            Assert.Throws<ProcessStartException>(() => command.Start());
        }
        Assert.True(Fds.NoneOpenedSince(before, out string opened), $"six failing starts left open: {opened}");
    }

    [Fact]
    public async Task Two_hundred_fifty_six_children_streaming_at_once_run_on_a_bounded_number_of_threads()
    {
        await new Command("true").OutputAsync(); // the reactor thread exists from here on
        await using ThreadPeakSampler threads = ThreadPeakSampler.Start();

        Command writer = new("head", "-c", "1048576", "/dev/zero");
        BinaryCommandResult[] results = await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => writer.OutputBytesAsync()))
            .WaitAsync(TimeSpan.FromMinutes(3));
        await threads.StopAsync();

        Assert.All(results, r => Assert.Equal(1048576, r.StandardOutput.Length));
        output.WriteLine($"{threads}, with 256 children streaming: {threads.Names}");
        // The bound: one reactor thread serves all 512 pipes, and the copies run as short
        // thread-pool work items between reads. A thread per pipe (what blocking pipe reads need)
        // would add 512 threads, of ours or of the pool's. What remains is the thread pool's own
        // sizing: its hill-climbing adds a few workers while 256 MB are copied on the machine's
        // cores (seen: 9 to 14 here on 2 cores), and a loaded machine's starvation injection a
        // few more, which does not grow with the number of children.
        Assert.True(threads.Peak <= threads.Baseline + 4, $"threads other than the runtime's: {threads.Baseline} before, peak {threads.Peak}: {threads.Names}");
        Assert.True(threads.PoolPeak <= threads.PoolBaseline + 64, $"the runtime's threads: {threads.PoolBaseline} before, peak {threads.PoolPeak}: {threads.Names}");
    }
}
