using System.Globalization;
using Spawn.Tests.Reliability;

namespace Spawn.Tests.Api;

/// <summary>
/// CurrentProcess, ProcessHandle.GetProcessGroupId and ChildProcess.SignalAll: what the CLI needs
/// of the OS, offered by the library. Calls that change this process's own state run in the test
/// host, never in the runner.
/// </summary>
public sealed class CurrentProcessTests(ITestOutputHelper output)
{
    [Fact]
    public void The_process_group_is_the_one_proc_reports()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal(int.Parse(fields[2], CultureInfo.InvariantCulture), CurrentProcess.ProcessGroupId);
    }

    [Fact]
    public void A_childs_process_group_is_read_while_it_runs_and_null_once_it_has_finished()
    {
        using ChildProcess leader = new Command("sleep", "30").WithNewProcessGroup().Start();
        using ChildProcess member = new Command("sleep", "30").Start();

        Assert.Equal(leader.Pid, leader.Handle.GetProcessGroupId());
        Assert.Equal(CurrentProcess.ProcessGroupId, member.Handle.GetProcessGroupId());
        ProcessHandle found = ProcessHandle.Find(leader.Pid);
        Assert.Equal(leader.Pid, found.GetProcessGroupId());
        found.Dispose();
        Assert.Throws<ObjectDisposedException>(() => found.GetProcessGroupId());

        member.Kill();
        member.Handle.Wait();
        Assert.Null(member.Handle.GetProcessGroupId());
        leader.Kill();
        leader.Handle.Wait();
        Assert.Null(leader.Handle.GetProcessGroupId());
    }

    [Fact]
    public async Task SignalAll_reaches_a_descendant_the_child_started()
    {
        await using ChildProcess child = new Command("sh", "-c", "sleep 30 & echo $!; wait").WithStdout(OutputTarget.Pipe).WithExitCodeValidation(false).Start();
        using var reader = new StreamReader(child.Stdout!);
        int grandchild = int.Parse((await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20)))!, CultureInfo.InvariantCulture);
        using ProcessHandle sleeper = ProcessHandle.Find(grandchild);
        Task<ProcessState> sleeperGone = sleeper.WaitAsync();

        child.SignalAll(Signals.SIGTERM);

        await sleeperGone.WaitAsync(TimeSpan.FromSeconds(20)); // the sleep, not only the shell, got it
        ProcessState shell = await child.Handle.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(Signals.SIGTERM, shell.Signal);
    }

    [Fact]
    public async Task Group_signal_ignore_and_exit_by_signal_work_on_the_process_that_calls_them()
    {
        FaultHost.Outcome outcome = await FaultHost.RunAsync(output, "inherited", "current-process");

        Assert.Contains("still here", outcome.Stdout, StringComparison.Ordinal); // SIGUSR1 ignored by us
        Assert.Contains($"child signal {Signals.SIGUSR1};", outcome.Stdout, StringComparison.Ordinal); // the child died of it
        Assert.Equal(Signals.SIGTERM, outcome.State.Signal); // and we ended by SIGTERM
        Assert.False(outcome.State.CoreDumped);
    }
}
