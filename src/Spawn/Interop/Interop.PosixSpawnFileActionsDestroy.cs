using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>posix_spawn_file_actions_destroy(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static unsafe partial int PosixSpawnFileActionsDestroy(void* fileActions);
}
