using Spawn.Tests.Support;

namespace Spawn.Tests.Terminals;

/// <summary>Counts process-wide fds and threads, so it runs in the isolated collection.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class TerminalLeakTests(ITestOutputHelper output)
{
    /// <summary>Our descriptors that are a pty master or slave.</summary>
    private static int TerminalFds() =>
        Directory.GetFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try
            {
                string target = new FileInfo(fd).LinkTarget ?? "";
                return target == "/dev/ptmx" || target.StartsWith("/dev/pts/", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false; // the listing's own descriptor, gone by now
            }
        });

    [Fact]
    public async Task Two_hundred_runs_leave_no_terminal_and_no_fd_behind()
    {
        var command = new Command("sh", "-c", "echo hi; cat").WithPseudoTerminal(new TerminalOptions { Echo = false }).WithStdin(InputSource.FromString("in\n"));
        async Task Interrupted()
        {
            await using ChildProcess child = new Command("sleep", "30").WithPseudoTerminal().WithStdin(InputSource.Pipe).WithThrowOnFailure(false).Start();
            child.Terminal!.SendInterrupt();
            await child.WaitAsync();
        }
        // First uses of each kind of run create lasting fds (epoll, /dev/null, PID mode's SIGCHLD machinery).
        await command.OutputAsync();
        command.Output();
        await Interrupted();
        // By number and target, not counted: a descriptor closed meanwhile by something else (an
        // earlier test's straggler) would let a count hide one leaked.
        IReadOnlyDictionary<int, string> before = Fds.Table();
        int terminalsBefore = TerminalFds();
        for (int i = 0; i < 100; i++) Assert.Equal("hi\r\nin\r\n", (await command.OutputAsync()).StandardOutput);
        for (int i = 0; i < 50; i++) Assert.Equal("hi\r\nin\r\n", command.Output().StandardOutput);
        for (int i = 0; i < 50; i++) await Interrupted();
        Assert.True(Fds.NoneOpenedSince(before, out string opened), $"open after 200 runs and not before: {opened}");
        Assert.True(TerminalFds() <= terminalsBefore, $"{TerminalFds()} terminal descriptors open, {terminalsBefore} before");
        Assert.True(Fds.Eventually(() => ProcessTable.Zombies().Length == 0), $"zombies left: {string.Join(' ', ProcessTable.Zombies())}");
    }

    [Fact]
    public async Task A_failing_start_on_a_terminal_leaks_nothing()
    {
        await new Command("true").WithPseudoTerminal().RunAsync();
        IReadOnlyDictionary<int, string> before = Fds.Table();
        // A program that exists but cannot be run: the terminal is opened before the start fails.
        string notRunnable = Path.Combine(Path.GetTempPath(), $"spawn-not-runnable-{Guid.NewGuid():N}");
        File.WriteAllText(notRunnable, "data");
        using var cleanup = new TempFile(notRunnable);
        var command = new Command(notRunnable).WithPseudoTerminal().WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe);
        for (int i = 0; i < 6; i++) Assert.Throws<ProcessStartException>(() => command.Start());
        // None that was not open before (one the runtime had open for a moment then may be gone).
        Assert.True(Fds.NoneOpenedSince(before, out string opened), $"open after 6 failed starts and not before: {opened}");
    }

    [Fact]
    public async Task Two_hundred_fifty_six_children_on_terminals_at_once_run_on_a_bounded_number_of_threads()
    {
        await new Command("true").WithPseudoTerminal().OutputAsync(); // the reactor thread exists from here on
        await using ThreadPeakSampler threads = ThreadPeakSampler.Start();

        const int Size = 262144;
        Command writer = new Command("head", "-c", Size.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero").WithPseudoTerminal();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BinaryCommandResult[] results = await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => writer.OutputBytesAsync()))
            .WaitAsync(TimeSpan.FromMinutes(3));
        await threads.StopAsync();

        Assert.All(results, r => Assert.Equal(Size, r.StandardOutput.Length));
        output.WriteLine($"{threads}, with 256 children on terminals in {clock.ElapsedMilliseconds} ms: {threads.Names}");
        // As the pipe twin (CommandLeakTests): one reactor thread reads all 256 masters; a thread
        // per terminal would add 256, of ours or of the pool's.
        Assert.True(threads.Peak <= threads.Baseline + 4, $"threads other than the runtime's: {threads.Baseline} before, peak {threads.Peak}: {threads.Names}");
        Assert.True(threads.PoolPeak <= threads.PoolBaseline + 64, $"the runtime's threads: {threads.PoolBaseline} before, peak {threads.PoolPeak}: {threads.Names}");
    }
}

/// <summary>Deletes a file at the end of a test.</summary>
internal sealed class TempFile(string path) : IDisposable
{
    public void Dispose() => File.Delete(path);
}
