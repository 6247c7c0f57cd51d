using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The one spawn step, choosing once per process between the Linux fast path
/// (<see cref="CloneSpawner"/>) and the portable one (<see cref="PosixSpawner"/>).
/// <c>SPAWN_PORTABLE=1</c> forces the portable path, so the test suite runs on both.
/// </summary>
internal static class Spawner
{
    /// <summary>Why the fast path is not used here, or null when it is.</summary>
    internal static string? NotLinuxCloneReason => s_notLinuxClone;

    private static readonly string? s_notLinuxClone =
        System.Environment.GetEnvironmentVariable("SPAWN_PORTABLE") == "1" ? "SPAWN_PORTABLE=1 is set" : CloneSpawner.UnavailableReason;

    internal static readonly SpawnPath Path =
        s_notLinuxClone is null ? SpawnPath.LinuxClone
        : SpawnMode.UsePidfd && Sys.HasPidfdSpawn ? SpawnPath.PidfdSpawn
        : SpawnPath.PosixSpawn;

    /// <summary>
    /// Starts <paramref name="path"/>; see <see cref="PosixSpawner.Spawn"/> for the contract. Options
    /// only the fast path supports are refused elsewhere, never silently dropped.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">An option needs the fast path, which is not in use here.</exception>
    internal static int Spawn(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd)
    {
        if (options?.ParentDeathSignal is int signal && (signal < 1 || signal > Signals.MaxSignal))
        {
            throw new ArgumentOutOfRangeException(nameof(options), signal, $"ParentDeathSignal must be a signal number, 1 to {Signals.MaxSignal}.");
        }
        if (Path != SpawnPath.LinuxClone)
        {
            if (options is { NeedsLinuxClone: true })
            {
                throw new PlatformNotSupportedException(
                    $"StartOptions.{FastPathOptions(options)} needs Spawn's Linux fast path, which is not in use here: {s_notLinuxClone}.");
            }
            return PosixSpawner.Spawn(path, argv, options, wantPidfd, out pidfd);
        }
        return options?.ParentDeathSignal is not null
            ? ParentDeathThread.Spawn(path, argv, options, wantPidfd, out pidfd)
            : CloneSpawner.Spawn(path, argv, options, wantPidfd, out pidfd);
    }

    private static string FastPathOptions(StartOptions options)
    {
        var names = new List<string>();
        if (options.CgroupPath is not null) names.Add(nameof(options.CgroupPath));
        if (options.UserId is not null) names.Add(nameof(options.UserId));
        if (options.GroupId is not null) names.Add(nameof(options.GroupId));
        if (options.SupplementaryGroups is not null) names.Add(nameof(options.SupplementaryGroups));
        if (options.ParentDeathSignal is not null) names.Add(nameof(options.ParentDeathSignal));
        return string.Join(", StartOptions.", names);
    }
}
