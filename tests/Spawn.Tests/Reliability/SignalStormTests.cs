using Spawn.Tests.Support;

namespace Spawn.Tests.Reliability;

/// <summary>
/// Spawning and waiting through a flood of handled signals (Spawn.TestHost signal-storm): SIGUSR1
/// with a handler installed without SA_RESTART, so that every blocking call it lands in fails with
/// EINTR (epoll_wait, waitid, poll, read ... — strace counts hundreds per run), and SIGWINCH through
/// PosixSignalRegistration, tgkill'd in a tight loop at the threads Spawn's calls run on. Every call
/// must retry: no failure, no wrong state. In the isolated collection, so the flood's CPU use does
/// not slow timing-sensitive tests running beside it.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class SignalStormTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Three_thousand_start_and_wait_cycles_under_a_signal_flood_all_succeed()
    {
        var outcome = await FaultHost.RunAsync(output, "inherited", "signal-storm", "3000");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains("right 3000 ", outcome.Stdout);
        Assert.Contains("failures 0", outcome.Stdout);
    }
}
