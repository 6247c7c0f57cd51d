
namespace Spawn.Tests.Reliability;

/// <summary>
/// Starting at a resource limit, lowered inside a program of its own (Spawn.TestHost exhaust-*):
/// the start throws a typed exception naming the limit, nothing leaks (fds counted by filling the
/// table, /proc/self/fd, children), and once the limit is raised starts work again. Each runs in
/// this run's configuration and in PID mode (tests/run.sh's portable run then covers PID mode on
/// the portable path too).
/// </summary>
public sealed class ExhaustionTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Configurations() => FaultHost.Configurations();

    /// <summary>RLIMIT_NOFILE lowered, every fd below it taken, then 0..7 freed one step at a time.</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task At_the_open_file_limit_starts_fail_with_EMFILE_naming_RLIMIT_NOFILE_and_leak_nothing(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "exhaust-nofile");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains("EMFILE (Too many open files): this process has reached its open-file limit (RLIMIT_NOFILE)", outcome.Stdout);
        Assert.Contains("leaked 0, recovered yes, problems 0", outcome.Stdout);
    }

    /// <summary>
    /// The same, when Spawn's first use comes at the limit: its probe, /dev/null and epoll thread
    /// meet a full table. Typed failures only; once the limit is raised the mode is what an
    /// unlimited start chooses (the fast path's library, which dlopen cannot load then, is the one
    /// documented exception); only /dev/null and the epoll instance are kept.
    /// </summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task A_first_use_at_the_open_file_limit_fails_typed_and_settles_for_no_less_afterwards(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "exhaust-nofile", "cold");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains("recovered yes, problems 0", outcome.Stdout);
    }

    /// <summary>RLIMIT_NPROC at 1 (after becoming uid 65534 when root, whom the limit does not bind).</summary>
    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task At_the_process_limit_starts_fail_with_EAGAIN_naming_RLIMIT_NPROC_and_leak_nothing(string configuration)
    {
        var outcome = await FaultHost.RunAsync(output, configuration, "exhaust-nproc");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
        Assert.Contains("EAGAIN (Resource temporarily unavailable): the process limit was reached (RLIMIT_NPROC", outcome.Stdout);
        Assert.Contains("started 0, leaked 0, recovered yes, problems 0", outcome.Stdout);
        if (!FaultHost.Portable) Assert.Contains("with a parent-death signal at the process limit: SpawnException EAGAIN", outcome.Stdout);
    }
}
