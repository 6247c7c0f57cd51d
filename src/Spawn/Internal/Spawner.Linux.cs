using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Where the spawn path is chosen, once per process, top to bottom:
/// <list type="number">
/// <item><c>SPAWN_PORTABLE=1</c> forces the portable path (so the test suite runs on both);</item>
/// <item>else the Linux fast path (<see cref="CloneSpawner"/>) where its native helper loads and the
/// kernel can run it (<see cref="CloneSpawner.UnavailableReason"/> says why not);</item>
/// <item>else the portable path (<see cref="PosixSpawner"/>): pidfd_spawn where libc has it and
/// handle mode is on, else posix_spawn.</item>
/// </list>
/// Both implement <see cref="ISpawnStep"/>, which states the contract. Options only the fast path
/// supports are refused on the portable path, never silently dropped.
/// </summary>
internal static class Spawner
{
    /// <summary>Why the fast path is not used here, or null when it is.</summary>
    internal static string? NotLinuxCloneReason { get; } =
        System.Environment.GetEnvironmentVariable("SPAWN_PORTABLE") == "1" ? "SPAWN_PORTABLE=1 is set" : CloneSpawner.UnavailableReason;

    internal static SpawnPath Path { get; } =
        NotLinuxCloneReason is null ? SpawnPath.LinuxClone
        : HandleMode.UsePidfd && Sys.HasPidfdSpawn ? SpawnPath.PidfdSpawn
        : SpawnPath.PosixSpawn;

    private static readonly ISpawnStep s_step = Path == SpawnPath.LinuxClone ? CloneSpawner.Instance : PosixSpawner.Instance;

    /// <summary>
    /// Starts <paramref name="path"/> on the chosen path (<see cref="ISpawnStep"/> states the contract),
    /// through spawn-exec when <see cref="StartOptions.ExactPeakMemory"/> asks and it is available.
    /// <paramref name="inheritedPeakKiB"/> bounds what of our own memory the child's ru_maxrss may hold:
    /// 0 when spawn-exec started it; else our own ru_maxrss read after the start, when the child has
    /// exec'd and the fold into its figure is done (our peak never decreases).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">An option needs the fast path, which is not in use here.</exception>
    internal static unsafe int Spawn(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd, out long inheritedPeakKiB)
    {
        int pid;
        bool exact = false;
        // Not for a child on a pseudo-terminal: setsid and the controlling terminal would go to
        // spawn-exec rather than the program; that child starts directly (its peak may be unknown).
        if (options is { ExactPeakMemory: true, TakesTerminal: false } && ExecTrampoline.Path is string trampoline)
        {
            pid = ExecTrampoline.Spawn(trampoline, path, argv, options, wantPidfd, Spawn, out pidfd, out exact);
        }
        else
        {
            pid = Spawn(path, argv, options, wantPidfd, out pidfd);
        }
        RUsage own = default;
        inheritedPeakKiB = exact ? 0 : Sys.Getrusage(Sys.RUSAGE_SELF, &own) == 0 ? own.MaxRssKiB : long.MaxValue;
        return pid;
    }

    /// <summary>Starts <paramref name="path"/> on the chosen path (<see cref="ISpawnStep"/> states the contract).</summary>
    /// <exception cref="PlatformNotSupportedException">An option needs the fast path, which is not in use here.</exception>
    private static int Spawn(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd)
    {
        if (options?.ParentDeathSignal is int signal && (signal < 1 || signal > Signals.MaxSignal))
        {
            throw new ArgumentOutOfRangeException(nameof(options), signal, $"ParentDeathSignal must be a signal number, 1 to {Signals.MaxSignal}.");
        }
        if (options?.Limits is { } limits)
        {
            if (limits.NeedsTree)
            {
                throw new ArgumentException(
                    $"StartOptions.Limits takes only the limits a process sets on itself; memory, CPU and process-count limits ({limits.TreePart}) belong to a cgroup: give them to ProcessTree.Create(limits) or Command.WithLimits.",
                    nameof(options));
            }
            limits.Validate();
        }
        if (options is { TakesTerminal: true })
        {
            if (options.Stdin is not null || options.Stdout is not null || options.Stderr is not null)
            {
                throw new ArgumentException("With a pseudo-terminal, the child's stdin, stdout and stderr are the terminal: leave StartOptions.Stdin, Stdout and Stderr null.", nameof(options));
            }
            if (options.TerminalSlave is null)
            {
                throw new InvalidOperationException("This pseudo-terminal has already been given to a child (a terminal serves one child: open another).");
            }
        }
        if (Path != SpawnPath.LinuxClone && options is { NeedsLinuxClone: true })
        {
            throw new PlatformNotSupportedException(
                $"StartOptions.{FastPathOptions(options)} needs Spawn's Linux fast path, which is not in use here: {NotLinuxCloneReason}.");
        }
        // A parent-death signal fires when the creating thread exits: clone from one that never does.
        if (Path == SpawnPath.LinuxClone && options?.ParentDeathSignal is not null)
        {
            return ParentDeathThread.Spawn(path, argv, options, wantPidfd, out pidfd);
        }
        return s_step.Spawn(path, argv, options, wantPidfd, out pidfd);
    }

    private static string FastPathOptions(StartOptions options)
    {
        var names = new List<string>();
        if (options.CgroupPath is not null) names.Add(nameof(options.CgroupPath));
        if (options.UserId is not null) names.Add(nameof(options.UserId));
        if (options.GroupId is not null) names.Add(nameof(options.GroupId));
        if (options.SupplementaryGroups is not null) names.Add(nameof(options.SupplementaryGroups));
        if (options.ParentDeathSignal is not null) names.Add(nameof(options.ParentDeathSignal));
        if (options.Limits is { HasProcessLimits: true }) names.Add($"{nameof(options.Limits)} ({options.Limits})");
        if (options.CgroupJoinFiles is { Count: > 0 }) names.Add("CgroupPath (a process tree with cgroup v1 controllers)");
        return string.Join(", StartOptions.", names);
    }
}
