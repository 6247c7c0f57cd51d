using Spawn.Tests.Observability;
using Spawn.Tests.Support;

namespace Spawn.Tests.Limits;

/// <summary>
/// Limits on a whole tree (cgroup memory, cpu and pids controllers) and what the result says when
/// the kernel enforced them. Needs root (or a delegated subtree) and the Linux fast path.
/// </summary>
public sealed class TreeLimitTests(ITestOutputHelper output)
{
    private const long MiB = 1L << 20;

    /// <summary>Skips where trees or the controllers the limits need cannot be had; where they must work (root, fast path), a failure is the test's.</summary>
    private static void SkipUnlessLimitsWork(ResourceLimits limits)
    {
        TreeAvailability.SkipUnlessTreesWork();
        try
        {
            ProcessTree.Create(limits).Dispose();
        }
        catch (CgroupUnavailableException e) when (!Native.IsRoot)
        {
            Assert.Skip($"the tree's controllers cannot be used here ({e.Message})");
        }
    }

    private static void AssertRemoved(ProcessTree tree)
    {
        Assert.False(Directory.Exists(tree.CgroupPath), $"the cgroup {tree.CgroupPath} is still there");
        foreach (string directory in tree.LimitV1Directories) Assert.False(Directory.Exists(directory), $"the v1 cgroup {directory} is still there");
    }

    [Fact]
    public async Task A_child_allocating_past_its_memory_limit_is_OOM_killed_and_the_result_says_so()
    {
        var limits = new ResourceLimits { MemoryMax = 32 * MiB };
        SkipUnlessLimitsWork(limits);
        // A string that doubles until the kernel stops it; bounded by a timeout should the limit fail.
        Command command = new Command("awk", "BEGIN { s = \"x\"; while (1) s = s s }")
            .WithLimits(limits).WithTimeout(TimeSpan.FromSeconds(60)).WithThrowOnFailure(false);
        using var spans = new SpanRecorder();
        await using ChildProcess child = command.Start();
        CommandResult result = await child.WaitAsync();
        output.WriteLine(result.ToString());
        Assert.Equal("oom", spans.ForPid(child.Pid).GetTagItem("spawn.outcome"));

        Assert.False(result.TimedOut, "the memory limit never stopped the allocation");
        Assert.Equal(Signals.SIGKILL, result.State.Signal);
        Assert.True(result.LimitsReached.HasFlag(LimitsReached.Memory), $"limits reached: {result.LimitsReached}");
        Assert.True(result.Tree!.OomKills >= 1);
        Assert.Contains("OOM killer", result.ToString(), StringComparison.Ordinal);
        AssertRemoved(child.Tree!);

        // And the failure, thrown, says it in words.
        var e = await Assert.ThrowsAsync<CommandFailedException>(() => command.WithThrowOnFailure(true).RunAsync());
        output.WriteLine(e.Message);
        Assert.Contains("out of memory: the kernel's OOM killer ended the command at its memory limit of 32 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fork_bomb_stops_at_the_process_limit_and_the_result_says_so()
    {
        var limits = new ResourceLimits { MaxProcesses = 16 };
        SkipUnlessLimitsWork(limits);
        // The classic bomb; the limit holds it at 16 processes, the timeout ends it, and the end of the
        // tree (cgroup.kill) takes every process of it at once. 10 s: on a loaded machine the bomb
        // needs a while to reach the limit at all, and the test needs a refused fork.
        Command command = new Command("sh", "-c", "b() { b | b & }; b; wait")
            .WithLimits(limits).WithTimeout(TimeSpan.FromSeconds(10)).WithThrowOnFailure(false).WithStderr(OutputTarget.Null);
        await using ChildProcess child = command.Start();
        int most = 0;
        while (!child.Handle.HasExited)
        {
            most = Math.Max(most, child.Tree!.ProcessIds.Count);
            await Task.Delay(50);
        }
        CommandResult result = await child.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{result}; at most {most} processes seen");

        Assert.True(most <= 16, $"{most} processes in a tree limited to 16");
        Assert.True(result.LimitsReached.HasFlag(LimitsReached.Processes), $"limits reached: {result.LimitsReached}");
        Assert.True(result.Tree!.ForksRefused > 0);
        Assert.Contains("refused at the limit of 16 processes", result.ToString(), StringComparison.Ordinal);
        Assert.Empty(child.Tree!.ProcessIds);
        AssertRemoved(child.Tree!);
    }

    [Fact]
    public async Task Half_a_CPU_holds_two_busy_loops_near_half_a_CPU()
    {
        var limits = new ResourceLimits { Cpus = 0.5 };
        SkipUnlessLimitsWork(limits);
        // Two busy loops would take two CPUs unlimited; the tree's CPU time over the wall time shows the quota.
        Command command = new Command("sh", "-c", "while :; do :; done & while :; do :; done")
            .WithLimits(limits).WithTimeout(TimeSpan.FromSeconds(3)).WithThrowOnFailure(false);
        CommandResult result = await command.RunAsync();
        double cpus = result.Tree!.CpuTime / result.RunTime;
        output.WriteLine($"{result}: {result.Tree}, {cpus:0.00} CPUs over {result.RunTime.TotalSeconds:0.0} s");

        Assert.True(result.TimedOut);
        Assert.InRange(cpus, 0.05, 0.8);
        Assert.Equal(LimitsReached.None, result.LimitsReached);
    }

    [Fact]
    public async Task The_cpu_weight_and_process_limit_are_written_where_the_kernel_reads_them()
    {
        var limits = new ResourceLimits { CpuWeight = 50, MaxProcesses = 7 };
        SkipUnlessLimitsWork(limits);
        await using ChildProcess child = new Command("sleep", "30").WithLimits(limits).WithThrowOnFailure(false).Start();
        ProcessTree tree = child.Tree!;
        string? v1Cpu = tree.LimitV1Directories.FirstOrDefault(d => d.Contains("/cpu/", StringComparison.Ordinal) || d.Contains("/cpu,", StringComparison.Ordinal));
        string? v1Pids = tree.LimitV1Directories.FirstOrDefault(d => d.Contains("/pids/", StringComparison.Ordinal));
        if (v1Cpu is null) Assert.Equal("50", File.ReadAllText(Path.Combine(tree.CgroupPath, "cpu.weight")).Trim());
        else Assert.Equal("512", File.ReadAllText(Path.Combine(v1Cpu, "cpu.shares")).Trim()); // 100 is v1's 1024
        string pidsDirectory = v1Pids ?? tree.CgroupPath;
        Assert.Equal("7", File.ReadAllText(Path.Combine(pidsDirectory, "pids.max")).Trim());
        // The child is in the cgroups that hold the limits from before its program ran.
        Assert.Contains(child.Pid, tree.ProcessIds);
        if (v1Pids is not null) Assert.Contains(child.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllLines(Path.Combine(v1Pids, "cgroup.procs")));
        child.Kill();
        await child.WaitAsync();
        AssertRemoved(tree);
    }

    [Fact]
    public void A_soft_memory_limit_needs_cgroup_v2_and_says_so_elsewhere()
    {
        var limits = new ResourceLimits { MemoryHigh = 64 * MiB };
        TreeAvailability.SkipUnlessTreesWork();
        try
        {
            using ProcessTree tree = ProcessTree.Create(limits);
            Assert.Empty(tree.LimitV1Directories); // it worked: memory is on v2 here
            Assert.Equal($"{64 * MiB}", File.ReadAllText(Path.Combine(tree.CgroupPath, "memory.high")).Trim());
        }
        catch (CgroupUnavailableException e)
        {
            output.WriteLine(e.Message);
            Assert.Contains("memory.high", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_tree_without_limits_reports_no_limit_counters()
    {
        TreeAvailability.SkipUnlessTreesWork();
        CommandResult result = await new Command("true").WithProcessTree().RunAsync();
        Assert.Null(result.Tree!.OomKills);
        Assert.Null(result.Tree.ForksRefused);
        Assert.Equal(LimitsReached.None, result.LimitsReached);
    }

    [Fact]
    public async Task Where_trees_cannot_be_had_tree_limits_throw_CgroupUnavailableException()
    {
        if (ProcessHandle.SpawnPath == SpawnPath.LinuxClone && Native.IsRoot) Assert.Skip("trees work here: SPAWN_PORTABLE=1 (or a run without root) runs this");
        var e = await Assert.ThrowsAsync<CgroupUnavailableException>(() => new Command("true").WithLimits(new ResourceLimits { MemoryMax = 64 * MiB }).RunAsync());
        output.WriteLine(e.Message);
    }

    [Fact]
    public void Limits_on_the_whole_tree_imply_the_tree()
    {
        Command command = new Command("true").WithLimits(new ResourceLimits { MemoryMax = 64 * MiB });
        Assert.True(command.UsesProcessTree);
        Assert.False(new Command("true").WithLimits(new ResourceLimits { OpenFiles = 64 }).UsesProcessTree);
    }

    [Fact]
    public void Tree_limits_given_to_a_single_process_are_refused_with_where_they_belong()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessHandle.Start("/bin/true", ["true"], new StartOptions { Limits = new ResourceLimits { MaxProcesses = 5 } }));
        Assert.Contains("ProcessTree.Create", e.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<ArgumentException>(() => ProcessTree.Create(new ResourceLimits { OpenFiles = 5 }));
        Assert.Contains("StartOptions.Limits", e2.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Cpus_out_of_range_are_refused(double cpus)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { Cpus = cpus }));
    }

    [Fact]
    public void Other_values_out_of_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { MemoryMax = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { CpuWeight = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { MaxProcesses = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { Nice = 20 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { CpuAffinity = [] }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Command("true").WithLimits(new ResourceLimits { CpuAffinity = [1024] }));
    }
}
