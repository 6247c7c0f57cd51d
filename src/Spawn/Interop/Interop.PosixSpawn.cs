using System.Runtime.InteropServices;

namespace Spawn.Interop;

// posix_spawn(3) and its file actions and attributes, and glibc 2.39's pidfd_spawn: the portable spawn path.
internal static unsafe partial class Sys
{
    internal const short POSIX_SPAWN_SETPGROUP = 0x02;
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const short POSIX_SPAWN_SETSID = 0x80;

    private static readonly delegate* unmanaged<int*, byte*, void*, void*, byte**, byte**, int> s_pidfdSpawn =
        (delegate* unmanaged<int*, byte*, void*, void*, byte**, byte**, int>)LibcExport.Find("pidfd_spawn");

    private static readonly delegate* unmanaged<void*, byte*, int> s_addChdir =
        (delegate* unmanaged<void*, byte*, int>)LibcExport.Find("posix_spawn_file_actions_addchdir_np");

    private static readonly delegate* unmanaged<void*, int, int> s_addClosefrom =
        (delegate* unmanaged<void*, int, int>)LibcExport.Find("posix_spawn_file_actions_addclosefrom_np");

    /// <summary>
    /// posix_spawn(3). Returns 0 or an error number (it does not set errno). glibc runs the child
    /// with CLONE_VM|CLONE_VFORK, so an exec failure comes back here as that error number, and glibc
    /// reaps the failed child itself.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn")]
    internal static partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    /// <summary>Whether libc has pidfd_spawn (glibc 2.39+): the child's pidfd comes from clone itself.</summary>
    internal static bool HasPidfdSpawn => s_pidfdSpawn != null && s_pidfdGetPid != null;

    /// <summary>pidfd_spawn(3): like posix_spawn, but returns a pidfd; 0 or an error number.</summary>
    internal static int PidfdSpawn(int* pidfd, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp) =>
        s_pidfdSpawn(pidfd, path, fileActions, attributes, argv, envp);

    /// <summary>posix_spawn_file_actions_init(3): 0 or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_init")]
    internal static partial int PosixSpawnFileActionsInit(void* fileActions);

    /// <summary>posix_spawn_file_actions_destroy(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static partial int PosixSpawnFileActionsDestroy(void* fileActions);

    /// <summary>
    /// posix_spawn_file_actions_adddup2(3). When source and target are the same fd, glibc (2.29+)
    /// clears close-on-exec on it instead, so an fd already at its place is still inherited.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static partial int PosixSpawnFileActionsAddDup2(void* fileActions, int fd, int newFd);

    /// <summary>
    /// posix_spawn_file_actions_addopen(3): the child opens <paramref name="path"/> as <paramref name="fd"/>
    /// (closing what was there first). 0 or an error number.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_addopen")]
    internal static partial int PosixSpawnFileActionsAddOpen(void* fileActions, int fd, byte* path, int flags, uint mode);

    /// <summary>Whether libc can change the child's working directory (glibc 2.29+, musl 1.1.24+).</summary>
    internal static bool HasPosixSpawnFileActionsAddChdir => s_addChdir != null;

    /// <summary>posix_spawn_file_actions_addchdir_np: 0 or an error number.</summary>
    internal static int PosixSpawnFileActionsAddChdir(void* fileActions, byte* path) => s_addChdir(fileActions, path);

    /// <summary>Whether libc can close every fd from a number on in the child (glibc 2.34+).</summary>
    internal static bool HasPosixSpawnFileActionsAddClosefrom => s_addClosefrom != null;

    /// <summary>
    /// posix_spawn_file_actions_addclosefrom_np: closes every fd &gt;= <paramref name="from"/> in the
    /// child, so it gets exactly the fds asked for even if some other code in this process opened an
    /// fd without close-on-exec.
    /// </summary>
    internal static int PosixSpawnFileActionsAddClosefrom(void* fileActions, int from) => s_addClosefrom(fileActions, from);

    /// <summary>posix_spawnattr_init(3): 0 or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_init")]
    internal static partial int PosixSpawnattrInit(void* attributes);

    /// <summary>posix_spawnattr_destroy(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_destroy")]
    internal static partial int PosixSpawnattrDestroy(void* attributes);

    /// <summary>posix_spawnattr_setflags(3): 0 or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setflags")]
    internal static partial int PosixSpawnattrSetflags(void* attributes, short flags);

    /// <summary>posix_spawnattr_setsigdefault(3): signals reset to SIG_DFL in the child.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static partial int PosixSpawnattrSetsigdefault(void* attributes, void* sigset);

    /// <summary>posix_spawnattr_setsigmask(3): the signal mask the child starts with.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigmask")]
    internal static partial int PosixSpawnattrSetsigmask(void* attributes, void* sigset);
}

/// <summary>
/// Buffer sizes for glibc's opaque spawn structures. glibc's are 80 (file actions), 336 (attributes)
/// and 128 (sigset_t) bytes on 64-bit Linux; the buffers are larger so a libc with bigger ones is safe.
/// </summary>
internal static class PosixSpawnSizes
{
    internal const int FileActions = 256;
    internal const int Attributes = 1024;
    internal const int SigSet = 128;
}
