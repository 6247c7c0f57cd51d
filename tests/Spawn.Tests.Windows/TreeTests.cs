using System.Globalization;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>Process trees on Windows: a job object holding the command and everything it starts.</summary>
public sealed class TreeTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    private static Command Child(params string[] command) => new(ChildProgram.Path, [ChildProgram.Verb, .. command]);

    private static async Task<int> ReadGrandchildId(ChildProcess child)
    {
        using var reader = new StreamReader(child.Stdout!, leaveOpen: true);
        string? line = await reader.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(s_bound, TestContext.Current.CancellationToken);
        return int.Parse(line!, CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Killing_the_tree_ends_the_grandchild_too_and_leaves_it_empty()
    {
        await using ChildProcess child = Child("grandchild-then-sleep", "120").WithProcessTree().WithStdout(OutputTarget.Pipe).WithThrowOnFailure(false)
            .Start(TestContext.Current.CancellationToken);
        int grandchild = await ReadGrandchildId(child);
        using ProcessHandle grandchildHandle = ProcessHandle.Find(grandchild);
        ProcessTree tree = child.Tree!;
        Assert.Contains(child.Pid, tree.ProcessIds);
        Assert.Contains(grandchild, tree.ProcessIds);
        Assert.False(tree.IsEmpty);
        Assert.Throws<PlatformNotSupportedException>(() => tree.CgroupPath);
        Assert.Throws<PlatformNotSupportedException>(() => tree.Signal(Signals.SIGTERM));

        tree.Kill();
        await Task.WhenAll(grandchildHandle.WaitAsync(TestContext.Current.CancellationToken), child.Handle.WaitAsync(TestContext.Current.CancellationToken))
            .WaitAsync(s_bound, TestContext.Current.CancellationToken);
        await tree.WaitEmptyAsync(TestContext.Current.CancellationToken).WaitAsync(s_bound, TestContext.Current.CancellationToken);
        Assert.True(tree.IsEmpty);
        Assert.Empty(tree.ProcessIds);
        // The job's termination, not our handle's: the exit code a kill gives, without the claim that we killed it.
        Assert.Equal(128 + Signals.SIGKILL, child.Handle.Wait().ExitCode);

        CommandResult result = await child.WaitAsync().WaitAsync(s_bound, TestContext.Current.CancellationToken);
        Assert.NotNull(result.Tree);
        tree.Kill(); // gone: a no-op
        Assert.Equal(0, tree.Signal(Signals.SIGKILL));
    }

    [Fact]
    public async Task A_timeout_ends_the_whole_tree_and_nothing_is_left_running()
    {
        BufferedCommandResult result = await Child("grandchild-then-sleep", "120").WithProcessTree().WithTimeout(TimeSpan.FromSeconds(3)).WithThrowOnFailure(false)
            .OutputAsync(TestContext.Current.CancellationToken).WaitAsync(s_bound, TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.Equal(Signals.SIGKILL, result.State.Signal);
        Assert.NotNull(result.Tree);
        int grandchild = int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        using ProcessHandle found = ProcessHandle.Find(grandchild);
        Assert.False(found.Signal(0), $"grandchild {grandchild} is still running after the tree's timeout");
    }

    [Fact]
    public async Task Disposing_a_running_command_ends_its_tree()
    {
        ChildProcess child = Child("grandchild-then-sleep", "120").WithProcessTree().WithStdout(OutputTarget.Pipe).WithThrowOnFailure(false)
            .Start(TestContext.Current.CancellationToken);
        int grandchild;
        try
        {
            grandchild = await ReadGrandchildId(child);
        }
        finally
        {
            child.Dispose();
        }
        using ProcessHandle found = ProcessHandle.Find(grandchild);
        Assert.False(found.Signal(0), $"grandchild {grandchild} is still running after the command was disposed");
        Assert.True(child.Tree!.IsEmpty);
    }

    [Fact]
    public async Task A_tree_of_its_own_starts_empty_and_disposes_without_processes()
    {
        using ProcessTree tree = ProcessTree.Create();
        Assert.True(tree.IsEmpty);
        Assert.Empty(tree.ProcessIds);
        await tree.WaitEmptyAsync(TestContext.Current.CancellationToken).WaitAsync(s_bound, TestContext.Current.CancellationToken);
        Assert.Equal(TimeSpan.Zero, tree.GetUsage().CpuTime);
        tree.Dispose();
        Assert.True(tree.IsEmpty);
        Assert.NotNull(tree.GetUsage()); // what it had used when it was closed
    }

    [Fact]
    public void Limits_on_a_tree_are_Linux_only_and_say_so()
    {
        var e = Assert.Throws<PlatformNotSupportedException>(() => ProcessTree.Create(new ResourceLimits { MaxProcesses = 10 }));
        Assert.Contains("Linux only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_tree_accounts_CPU_time_and_peak_memory_of_a_grandchild()
    {
        CommandResult result = await Child("grandchild-burns", "0.5").WithProcessTree().RunAsync(TestContext.Current.CancellationToken)
            .WaitAsync(s_bound, TestContext.Current.CancellationToken);
        Assert.Equal(0, result.ExitCode);
        TreeUsage usage = result.Tree!;
        Assert.NotNull(usage);
        Wine.SkipBecause($"reports a job object's CPU time and peak memory as zero (here: {usage})");
        Assert.True(usage.CpuTime >= TimeSpan.FromSeconds(0.45), usage.ToString());
        Assert.True(usage.PeakMemoryBytes > 2 * 1024 * 1024, usage.ToString());
    }
}
