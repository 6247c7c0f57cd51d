namespace Spawn.Tests.Support;

/// <summary>
/// Tests that count this process's fds or threads, write ns_last_pid, or reap with waitpid(-1)
/// run alone: xunit runs a collection with parallelization disabled after the others, one test at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "Isolated (process-wide state)";
}
