namespace Spawn.Interop;

internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<int*, byte*, void*, void*, byte**, byte**, int> s_pidfdSpawn =
        (delegate* unmanaged<int*, byte*, void*, void*, byte**, byte**, int>)LibcExport.Find("pidfd_spawn");

    /// <summary>Whether libc has pidfd_spawn (glibc 2.39+): the child's pidfd comes from clone itself.</summary>
    internal static bool HasPidfdSpawn => s_pidfdSpawn != null && s_pidfdGetPid != null;

    /// <summary>pidfd_spawn(3): like posix_spawn, but returns a pidfd; 0 or an error number.</summary>
    internal static int PidfdSpawn(int* pidfd, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp) =>
        s_pidfdSpawn(pidfd, path, fileActions, attributes, argv, envp);
}
