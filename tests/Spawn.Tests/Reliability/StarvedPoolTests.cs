
namespace Spawn.Tests.Reliability;

/// <summary>
/// With every thread-pool worker blocked (Spawn.TestHost starved-pool-handles, in a process of its
/// own), an async wait on a child still completes: the wake-up comes from Spawn's own threads, in
/// handle mode and in PID mode.
/// </summary>
public sealed class StarvedPoolTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configurations() => FaultHost.Configurations();

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
