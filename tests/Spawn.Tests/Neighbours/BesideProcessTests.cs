using Spawn.Tests.Cli;
using Spawn.Tests.Support;

namespace Spawn.Tests.Neighbours;

/// <summary>
/// Spawn next to System.Diagnostics.Process in one application. The mixing runs in a separate
/// program (tests/Spawn.TestHost), so Process's SIGCHLD handling does not spread into this test
/// process; its summary line says how each start ended.
/// </summary>
public sealed class BesideProcessTests(ITestOutputHelper output)
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "Spawn.TestHost");

    [Fact]
    public async Task Five_thousand_interleaved_starts_of_both_get_their_exit_codes_and_nothing_hangs()
    {
        var outcome = await Tool.RunProgramAsync(Host, ["Spawn.TestHost", "beside-process", "5000"]);
        output.WriteLine(outcome.Stdout);
        // Exit 0: every code right, no hang. Death by a signal would be .NET failing fast.
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Contains("process right 2500", outcome.Stdout);
        Assert.Contains("spawn right 2500", outcome.Stdout);
        Assert.Contains("wrong 0", outcome.Stdout);
    }

    [Fact]
    public async Task As_pid_1_where_dotnet_reaps_every_child_Spawn_still_gets_the_exit_codes()
    {
        if (!Native.IsRoot || !File.Exists("/usr/bin/unshare"))
        {
            Assert.Skip("needs root and util-linux unshare to make a PID namespace.");
        }
        var outcome = await Tool.RunProgramAsync("/usr/bin/unshare", ["unshare", "--pid", "--fork", Host, "beside-process", "1000"]);
        output.WriteLine(outcome.Stdout + outcome.Stderr);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.StartsWith("pid 1 ", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("wrong 0", outcome.Stdout);
        if (ProcessHandle.UsesPidfd && ProcessHandle.SpawnPath != SpawnPath.PosixSpawn)
        {
            // Every status is known: from Spawn's own reap, or from the pidfd when .NET reaped first.
            Assert.Contains("spawn right 500", outcome.Stdout);
        }
        // PID mode has no pidfd to ask, and the portable path opens the pidfd only after
        // posix_spawn returns (a reaper can be first): there, statuses .NET took first are
        // "unknown", never wrong. The fast path's pidfd comes from clone itself: no window.
    }
}
