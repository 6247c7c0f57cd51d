using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>posix_spawnattr_destroy(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_destroy")]
    internal static unsafe partial int PosixSpawnattrDestroy(void* attributes);
}
