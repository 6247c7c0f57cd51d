using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<void*, byte*, int> s_addChdir =
        (delegate* unmanaged<void*, byte*, int>)LibcExport.Find("posix_spawn_file_actions_addchdir_np");

    /// <summary>Whether libc can change the child's working directory (glibc 2.29+, musl 1.1.24+).</summary>
    internal static bool HasPosixSpawnFileActionsAddChdir => s_addChdir != null;

    /// <summary>posix_spawn_file_actions_addchdir_np: 0 or an error number.</summary>
    internal static int PosixSpawnFileActionsAddChdir(void* fileActions, byte* path) => s_addChdir(fileActions, path);
}
