using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<void*, int, int> s_addClosefrom =
        (delegate* unmanaged<void*, int, int>)LibcExport.Find("posix_spawn_file_actions_addclosefrom_np");

    /// <summary>Whether libc can close every fd from a number on in the child (glibc 2.34+).</summary>
    internal static bool HasPosixSpawnFileActionsAddClosefrom => s_addClosefrom != null;

    /// <summary>
    /// posix_spawn_file_actions_addclosefrom_np: closes every fd &gt;= <paramref name="from"/> in the
    /// child, so it gets exactly the fds asked for even if some other code in this process opened an
    /// fd without close-on-exec.
    /// </summary>
    internal static int PosixSpawnFileActionsAddClosefrom(void* fileActions, int from) => s_addClosefrom(fileActions, from);
}
