using System.Globalization;
using Spawn.Internal;
using Spawn.Tests.Reliability;
using Spawn.Tests.Support;

namespace Spawn.Tests.Trees;

/// <summary>
/// A tree's end under faults: disposal itself, a full fd table, a starved thread pool (those two in
/// tests/Spawn.TestHost, Faults/Trees.cs), and the abrupt death of the process that owns the tree.
/// </summary>
public sealed class ProcessTreeFaultTests(ITestOutputHelper output)
{
    private const int HostUnavailable = 3;

    [Fact]
    public void Disposing_a_tree_kills_its_members_at_once_and_removes_its_cgroups()
    {
        TreeAvailability.SkipUnlessTreesWork();
        var tree = ProcessTree.Create();
        using var member = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], new StartOptions { CgroupPath = tree.CgroupPath });
        string? memoryV1 = CgroupHierarchy.OwnV1MemoryDirectory is { } v1 ? Path.Combine(v1, Path.GetFileName(tree.CgroupPath)) : null;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            tree.Dispose();
            output.WriteLine($"Dispose: {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(member.HasExited || Fds.Eventually(() => member.HasExited), "the member still runs after Dispose");
            Assert.Equal(Signals.SIGKILL, member.Wait().Signal);
            // Dispose's own bound is 10 s (then it hands the tree to its sentinel); three times that
            // says it ended by itself, without making the test a measure of the machine's load.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"Dispose took {clock.Elapsed}");
            Assert.False(Directory.Exists(tree.CgroupPath), $"the cgroup {tree.CgroupPath} is still there");
            if (memoryV1 is not null) Assert.False(Directory.Exists(memoryV1), $"the v1 memory cgroup {memoryV1} is still there");
            tree.Dispose(); // idempotent
        }
        finally
        {
            member.Kill();
            member.Wait();
            RemoveLeftover(tree.CgroupPath);
            if (memoryV1 is not null) RemoveLeftover(memoryV1);
        }
    }

    [Fact]
    public async Task A_tree_that_ends_while_the_fd_table_is_full_is_still_killed_and_removed()
    {
        TreeAvailability.SkipUnlessTreesWork();
        FaultHost.Outcome outcome = await FaultHost.RunAsync(output, "inherited", "tree-nofile");
        Assert.NotEqual(HostUnavailable, outcome.State.ExitCode);
        Assert.True(outcome.State.ExitCode == 0, outcome.Text);
        Assert.Contains("tree-nofile: ok", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_of_a_tree_completes_on_the_calling_thread_with_the_thread_pool_starved()
    {
        TreeAvailability.SkipUnlessTreesWork();
        FaultHost.Outcome outcome = await FaultHost.RunAsync(output, "inherited", "tree-starved");
        Assert.NotEqual(HostUnavailable, outcome.State.ExitCode);
        Assert.True(outcome.State.ExitCode == 0, outcome.Text);
        Assert.Contains("tree-starved: ok", outcome.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kill")]
    [InlineData("failfast")]
    public async Task A_tree_does_not_outlive_the_process_that_owns_it(string death)
    {
        TreeAvailability.SkipUnlessTreesWork();
        string host = Path.Combine(AppContext.BaseDirectory, "Spawn.TestHost");
        var command = new Command(host, "tree-orphan", death)
            .WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).WithExitCodeValidation(false).WithTimeout(TimeSpan.FromSeconds(60));
        await using ChildProcess owner = command.Start();
        var reader = new StreamReader(owner.Stdout!);
        string? cgroup = null;
        ProcessHandle? member = null;
        try
        {
            string? line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (line is not null && line.StartsWith("mode ", StringComparison.Ordinal)) line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(line is not null && line.StartsWith("cgroup ", StringComparison.Ordinal), $"Spawn.TestHost said: {line}");
            cgroup = line[7..];
            line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(line is not null && line.StartsWith("pid ", StringComparison.Ordinal), $"Spawn.TestHost said: {line}");
            // A handle taken while its parent still lives and waits: it names exactly that process.
            member = ProcessHandle.Find(int.Parse(line.AsSpan(4), CultureInfo.InvariantCulture));
            // Alive in any state but a zombie: a process just started on a loaded machine may be in
            // uninterruptible sleep (D) for a moment, paging its program in.
            char? state = Native.ProcState(member.Pid);
            Assert.True(state is not (null or 'Z' or 'X' or 'x'), $"the member is not running (state {state})");

            await owner.Stdin!.WriteAsync("go\n"u8.ToArray());
            await owner.Stdin.FlushAsync();
            CommandResult result = await owner.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            output.WriteLine($"the owner ended: {result.State}");
            Assert.NotEqual(0, result.State.ExitCode ?? -1);

            // Whoever reaps it now, it must be dead (gone, or a zombie), and the cgroup removed. The
            // sentinel (a shell) does it once the kernel has torn the owner down and it has read the
            // end of its lifeline; it tries for 30 s and more, so a loaded machine gets that long here.
            Assert.True(Fds.Eventually(() => Native.ProcState(member.Pid) is null or 'Z', seconds: 60), $"the member {member.Pid} still runs after its owner died");
            Assert.True(Fds.Eventually(() => !Directory.Exists(cgroup), seconds: 60), $"the cgroup {cgroup} is still there after its owner died");
        }
        finally
        {
            if (member is not null)
            {
                member.Kill();
                member.Dispose();
            }
            if (cgroup is not null) RemoveLeftover(cgroup);
        }
    }

    /// <summary>What a failed run left: killed and removed by the path this test was given, never by name.</summary>
    private static void RemoveLeftover(string cgroup)
    {
        if (!Directory.Exists(cgroup)) return;
        string kill = Path.Combine(cgroup, "cgroup.kill");
        if (File.Exists(kill)) File.WriteAllText(kill, "1");
        Fds.Eventually(() =>
        {
            try
            {
                Directory.Delete(cgroup);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        });
    }
}
