using Spawn.Tests.Support;

namespace Spawn.Tests.Trees;

/// <summary>Containment in a cgroup: needs root (or a delegated subtree), cgroup v2 and the Linux fast path.</summary>
public sealed class ProcessTreeTests(ITestOutputHelper output)
{
    // A background grandchild, and a daemon that double-forks into a new session (setsid): the
    // classic escape from process-group kills.
    private const string Script = "sleep 60 & echo \"grandchild $!\"; setsid sh -c 'sleep 60 & echo \"daemon $!\"'; sleep 60";

    private static async Task<(int Grandchild, int Daemon)> ReadPids(ChildProcess child)
    {
        var reader = new StreamReader(child.Stdout!);
        int grandchild = 0, daemon = 0;
        for (int i = 0; i < 2; i++)
        {
            string[] words = (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)))!.Split(' ');
            int pid = int.Parse(words[1], System.Globalization.CultureInfo.InvariantCulture);
            if (words[0] == "grandchild") grandchild = pid;
            else daemon = pid;
        }
        return (grandchild, daemon);
    }

    [Fact]
    public async Task Killing_the_tree_leaves_no_process_of_it_alive_daemons_included()
    {
        TreeAvailability.SkipUnlessTreesWork();
        var command = new Command("sh", "-c", Script).WithProcessTree().WithStdout(OutputTarget.Pipe).WithExitCodeValidation(false);
        await using ChildProcess child = command.Start();
        var (grandchild, daemon) = await ReadPids(child);
        Assert.Contains(grandchild, child.Tree!.ProcessIds);
        Assert.Contains(daemon, child.Tree.ProcessIds);

        // Handles taken before the kill: they name exactly these processes, whatever happens to the numbers.
        using var grandchildHandle = ProcessHandle.Find(grandchild);
        using var daemonHandle = ProcessHandle.Find(daemon);
        string cgroup = child.Tree.CgroupPath;

        child.Tree.Kill();
        await Task.WhenAll(grandchildHandle.WaitAsync(), daemonHandle.WaitAsync(), child.Handle.WaitAsync()).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(Signals.SIGKILL, child.Handle.Wait().Signal);
        Assert.False(grandchildHandle.Signal(0));
        Assert.False(daemonHandle.Signal(0));

        CommandResult result = await child.WaitAsync();
        Assert.NotNull(result.Tree);
        Assert.False(Directory.Exists(cgroup), $"the cgroup {cgroup} is still there");

        // A tree kill after the tree has gone is a no-op.
        child.Tree.Kill();
        Assert.Equal(0, child.Tree.Signal(Signals.SIGTERM));
    }

    [Fact]
    public async Task A_process_group_kill_catches_the_grandchild_but_honestly_not_the_new_session_daemon()
    {
        var command = new Command("sh", "-c", Script).WithNewProcessGroup().WithStdout(OutputTarget.Pipe).WithExitCodeValidation(false);
        await using ChildProcess child = command.Start();
        var (grandchild, daemon) = await ReadPids(child);
        using var grandchildHandle = ProcessHandle.Find(grandchild);
        using var daemonHandle = ProcessHandle.Find(daemon);
        try
        {
            Assert.True(child.SignalGroup(Signals.SIGKILL));
            await Task.WhenAll(grandchildHandle.WaitAsync(), child.Handle.WaitAsync()).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(grandchildHandle.Signal(0));

            // The daemon left the group with setsid: a group signal cannot reach it. This is what
            // WithProcessTree is for.
            await Task.Delay(200);
            Assert.True(daemonHandle.Signal(0), "the new-session daemon should have survived the group kill");
        }
        finally
        {
            daemonHandle.Kill();
            await daemonHandle.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    public async Task Cpu_time_and_peak_memory_of_a_tree_that_burns_cpu_in_a_grandchild_are_reported()
    {
        TreeAvailability.SkipUnlessTreesWork();
        // The grandchild starts a moment later, so that on hybrid machines its whole life is
        // accounted by the v1 memory controller too (see below).
        CommandResult result = await new Command("sh", "-c", $"sleep 0.2; '{ChildProgram.Path}' burn 0.5 & wait").WithProcessTree().RunAsync();
        TreeUsage usage = result.Tree!;
        output.WriteLine($"tree: {usage}; the shell alone: {result.State.UserTime + result.State.SystemTime}");
        Assert.True(usage.CpuTime >= TimeSpan.FromSeconds(0.45), usage.ToString());
        // On cgroup v2 with the memory controller this is memory.peak. On hybrid machines like this
        // one it is the v1 controller's, which counts from when the members are moved in (just after
        // the start; kernels that refuse to move charges leave earlier pages behind), so
        // a .NET grandchild started after that is counted for what it newly touches (4+ MiB seen
        // here; the shared runtime files were charged when first read, elsewhere).
        Assert.True(usage.PeakMemoryBytes > 2 * 1024 * 1024, usage.ToString());
    }

    [Fact]
    public async Task Cancellation_ends_the_whole_tree()
    {
        TreeAvailability.SkipUnlessTreesWork();
        using var cts = new CancellationTokenSource();
        var command = new Command("sh", "-c", Script).WithProcessTree().WithStdout(OutputTarget.Pipe);
        await using ChildProcess child = command.Start(cts.Token);
        var (grandchild, daemon) = await ReadPids(child);
        using var daemonHandle = ProcessHandle.Find(daemon);
        using var grandchildHandle = ProcessHandle.Find(grandchild);
        cts.Cancel();
        var e = await Assert.ThrowsAsync<CommandCanceledException>(() => child.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(Signals.SIGTERM, e.Result.State.Signal);
        // Both end (and are reaped by whoever inherited them): their handles' waits complete.
        await Task.WhenAll(daemonHandle.WaitAsync(), grandchildHandle.WaitAsync()).WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Without_cgroups_or_the_fast_path_the_API_says_so()
    {
        if (ProcessHandle.SpawnPath == SpawnPath.LinuxClone && Native.IsRoot)
        {
            // Here cgroups work: the refusal is shown on the portable path (tests/run.sh runs it).
            ProcessTree.Create().Dispose();
            return;
        }
        var e = Assert.Throws<CgroupUnavailableException>(() => new Command("true").WithProcessTree().Start());
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }
}
