using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>posix_spawnattr_init(3): 0 or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_init")]
    internal static unsafe partial int PosixSpawnattrInit(void* attributes);
}
