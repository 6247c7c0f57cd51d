using Xunit.Abstractions;

namespace Spawn.Tests.Reliability;

/// <summary>
/// A thread pool held at its floor with every worker blocked (Spawn.TestHost starved-pool): each
/// synchronous Command API — ChildProcess.Wait (exit, failure, timeout, grace period), Dispose of a
/// running child, Dispose of a pipeline — must complete on the calling thread and Spawn's own
/// threads. Before, each blocked on async code whose continuations needed a pool thread, and hung.
/// </summary>
public sealed class StarvedPoolTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configurations() => FaultHost.Configurations();

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Synchronous_waits_and_disposals_complete_with_the_thread_pool_starved(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "starved-pool");
        Assert.Contains("workers blocked", outcome.Stdout);
        Assert.DoesNotContain("HUNG", outcome.Stdout);
        Assert.DoesNotContain("FAILED", outcome.Stdout);
        Assert.Contains("starved pool: 9 ok, 0 hung", outcome.Stdout);
        Assert.Equal(0, outcome.State.ExitCode);
    }
}
