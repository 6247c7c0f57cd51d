using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>posix_spawn_file_actions_init(3): 0 or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_init")]
    internal static unsafe partial int PosixSpawnFileActionsInit(void* fileActions);
}
