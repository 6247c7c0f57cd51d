namespace Spawn.Internal;

/// <summary>
/// The spawn step: the one statement of its contract, implemented by the Linux fast path
/// (<see cref="CloneSpawner"/>) and the portable path (<see cref="PosixSpawner"/>); which one a
/// process uses is chosen once, in <see cref="Spawner"/>.
/// </summary>
/// <remarks>
/// <see cref="Spawn"/> starts <c>path</c> (used as given, no PATH search) with <c>argv</c>
/// (argv[0] included) and what the options ask for (descriptors, environment, working directory,
/// session or process group), and returns the child's pid. With <c>wantPidfd</c> the child's pidfd
/// comes back too, close-on-exec, obtained before anyone but us could reap the child (-1 when
/// another component reaped it first); without, -1. Every failure, an exec failure in the child
/// included, is a <see cref="ProcessStartException"/> carrying the errno, and leaves nothing
/// behind: no descriptor, no zombie. Options a path cannot honour never reach it:
/// <see cref="Spawner"/> refuses them first.
/// </remarks>
internal interface ISpawnStep
{
    /// <summary>Starts the child; see the contract above.</summary>
    /// <exception cref="ProcessStartException">It could not be started; nothing is left behind.</exception>
    int Spawn(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd);
}
