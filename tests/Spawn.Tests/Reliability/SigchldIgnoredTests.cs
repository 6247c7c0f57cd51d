
namespace Spawn.Tests.Reliability;

/// <summary>
/// A program that inherited SIGCHLD = SIG_IGN (Spawn.TestHost sigchld-ignored sets it and executes
/// itself again): the kernel reaps every child itself at its exit and sends no SIGCHLD. No wait may
/// hang. In handle mode the status comes from the pidfd's exit info (Linux 6.15+); PID mode cannot
/// know it and says why.
/// </summary>
public sealed class SigchldIgnoredTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configurations() => FaultHost.Configurations();

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task With_SIGCHLD_ignored_waits_complete_with_the_status_or_the_reason_it_is_unknown(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "sigchld-ignored", "120");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains("sigchld ignored at start: yes", outcome.Stdout);
        Assert.Contains("wrong 0", outcome.Stdout);
        if (FaultHost.PidModeForced(configuration))
        {
            Assert.Contains("unknown reason: SIGCHLD is ignored in this process", outcome.Stdout);
        }
        else if (!FaultHost.Portable)
        {
            // The fast path's pidfd comes from the clone itself: every status is known.
            Assert.Contains("right 120 (from pidfd exit info 120), unknown 0", outcome.Stdout);
        }
        // posix_spawn then pidfd_open: a child that exits before its pidfd is opened is gone, unknown.
    }
}
