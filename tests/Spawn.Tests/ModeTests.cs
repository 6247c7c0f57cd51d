namespace Spawn.Tests;

public sealed class ModeTests
{
    [Fact]
    public void Mode_follows_SPAWN_PIDFD_so_both_suites_really_run()
    {
        bool forcedPidMode = Environment.GetEnvironmentVariable("SPAWN_PIDFD") == "0";
        // This machine has pidfd (Linux 6.18); only the switch turns it off.
        Assert.Equal(!forcedPidMode, ProcessHandle.UsesPidfd);
    }
}
