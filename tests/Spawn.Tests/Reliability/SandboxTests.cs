using Spawn.Tests.Support;

namespace Spawn.Tests.Reliability;

/// <summary>
/// A sandbox that forbids pidfds: a program (Spawn.TestHost seccomp) installs, before it first uses
/// Spawn, a seccomp filter on all its threads that makes pidfd_open, pidfd_send_signal,
/// waitid(P_PIDFD) and clone with CLONE_PIDFD fail with EPERM or ENOSYS (clone3 fails with ENOSYS,
/// as under Docker's profile). Spawn's probe must notice and run in PID mode, and every start,
/// signal and wait of a mixed workload must then be right. No root is needed: the filter is
/// installed with no_new_privs.
/// </summary>
public sealed class SandboxTests(ITestOutputHelper output)
{
    private const string Runs = "60";

    [Theory]
    [InlineData("EPERM")]
    [InlineData("ENOSYS")]
    public async Task With_every_pidfd_call_refused_Spawn_runs_correctly_in_PID_mode(string errno)
    {
        var outcome = await FaultHost.RunAsync(output, "inherited", "seccomp", errno, Runs, "all");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains($"filter: pidfd_open -> {errno}", outcome.Stdout);
        Assert.Contains("filter: waitid(P_PID) -> ECHILD", outcome.Stdout); // other waitid calls still work
        Assert.Contains($"mode pid path {ExpectedPath}: right {Runs} ", outcome.Stdout);
        Assert.Contains("wrong 0, children left 0", outcome.Stdout);
        AssertCgroupStartRefusedTyped(outcome);
    }

    /// <summary>A filter that lets pidfd_open through but refuses one of the calls the probe checks.</summary>
    [Theory]
    [InlineData("EPERM", "waitid")]
    [InlineData("ENOSYS", "waitid")]
    [InlineData("EPERM", "signal")]
    public async Task With_one_pidfd_call_refused_the_probe_chooses_PID_mode(string errno, string variant)
    {
        var outcome = await FaultHost.RunAsync(output, "inherited", "seccomp", errno, Runs, variant);
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains("filter: pidfd_open -> ok", outcome.Stdout);
        Assert.Contains($"mode pid path {ExpectedPath}: right {Runs} ", outcome.Stdout);
        Assert.Contains("wrong 0, children left 0", outcome.Stdout);
    }

    /// <summary>
    /// Only clone's CLONE_PIDFD flag refused (a filter on clone's flags; QEMU user mode before 8.0
    /// lacks the flag but has pidfd_open). The pidfd calls work, so Spawn stays in handle mode; the
    /// fast path notices the refusal at its first clone and from then on clones without the flag
    /// and opens each child's pidfd right after, as the portable path does.
    /// </summary>
    [Theory]
    [InlineData("EPERM")]
    [InlineData("ENOSYS")]
    public async Task With_only_CLONE_PIDFD_refused_the_fast_path_opens_the_pidfd_after_the_clone(string errno)
    {
        var outcome = await FaultHost.RunAsync(output, "inherited", "seccomp", errno, Runs, "clone-pidfd");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        string mode = FaultHost.PidModeForced("inherited") ? "pid" : "handle";
        Assert.Contains($"mode {mode} path {ExpectedPath}: right {Runs} ", outcome.Stdout);
        Assert.Contains("wrong 0, children left 0", outcome.Stdout);
    }

    private static string ExpectedPath => FaultHost.Portable ? nameof(SpawnPath.PosixSpawn) : nameof(SpawnPath.LinuxClone);

    /// <summary>Only clone3 can start a child in a cgroup, and the filter refuses it: a typed error saying so.</summary>
    private void AssertCgroupStartRefusedTyped(FaultHost.Outcome outcome)
    {
        if (FaultHost.Portable) return; // the scenario tries it on the fast path only
        if (!Native.IsRoot)
        {
            output.WriteLine("(cgroup start under the filter not tried: creating a cgroup needs root)");
            return;
        }
        Assert.Matches("cgroup start: (ProcessStartException ENOSYS: .*clone3.*refused|not possible here)", outcome.Stdout);
    }
}
