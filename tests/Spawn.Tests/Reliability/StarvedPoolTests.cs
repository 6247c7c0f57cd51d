namespace Spawn.Tests.Reliability;

/// <summary>
/// A thread pool with every worker blocked, in a process of its own (Spawn.TestHost): synchronous
/// calls and waits must complete on the calling thread and Spawn's own threads.
/// </summary>
public sealed class StarvedPoolTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configurations() => FaultHost.Configurations();

    /// <summary>
    /// <c>starved-pool</c>: each synchronous Command API (ChildProcess.Wait for an exit, a failure,
    /// a timeout, a grace period, and of a process tree's command; Dispose of a running child;
    /// Dispose of a pipeline; Command.Run/Output/OutputBytes, Pipeline.Run/Output). Before, each
    /// blocked on async code whose continuations needed a pool thread, and hung.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Synchronous_waits_and_disposals_complete_with_the_thread_pool_starved(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "starved-pool");
        Assert.Contains("workers blocked", outcome.Stdout);
        Assert.DoesNotContain("HUNG", outcome.Stdout);
        Assert.DoesNotContain("FAILED", outcome.Stdout);
        Assert.Matches(@"starved pool: (14|15) ok, 0 hung", outcome.Stdout);
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
    }

    /// <summary>
    /// <c>starved-pool-handles</c>: an async wait on a child, blocked on synchronously, completes:
    /// the wake-up comes from the epoll thread (handle mode) or the reaper thread (PID mode).
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Waits_on_children_complete_while_the_thread_pool_is_starved(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "starved-pool-handles");
        Assert.Contains("pool starved: yes", outcome.Stdout);
        Assert.Contains(": ok", outcome.Stdout);
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
    }
}
