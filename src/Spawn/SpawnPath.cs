namespace Spawn;

/// <summary>How <see cref="ProcessHandle.Start(string, IReadOnlyList{string}, StartOptions?)"/> creates children in this process; see <see cref="ProcessHandle.SpawnPath"/>.</summary>
public enum SpawnPath
{
    /// <summary>
    /// The portable path: libc's <c>posix_spawn</c>, then <c>pidfd_open</c> on the still-unreaped
    /// child in handle mode. Every child copies this process's fd table, so its cost grows with the
    /// descriptors held.
    /// </summary>
    PosixSpawn,

    /// <summary>The portable path through libc's <c>pidfd_spawn</c> (glibc 2.39+): the pidfd comes from the clone itself.</summary>
    PidfdSpawn,

    /// <summary>
    /// The Linux fast path: Spawn's native helper (libspawn_native.so) clones the child without
    /// copying the fd table and sets it up itself. Its cost does not grow with the descriptors held,
    /// and only it supports <see cref="StartOptions.CgroupPath"/>, <see cref="StartOptions.UserId"/>,
    /// <see cref="StartOptions.GroupId"/>, <see cref="StartOptions.SupplementaryGroups"/> and
    /// <see cref="StartOptions.ParentDeathSignal"/>.
    /// </summary>
    LinuxClone,

    /// <summary>
    /// Windows: <c>CreateProcessW</c> with an extended start whose handle list names exactly the
    /// handles the child inherits. The handle is the process HANDLE.
    /// </summary>
    WindowsCreateProcess,
}
