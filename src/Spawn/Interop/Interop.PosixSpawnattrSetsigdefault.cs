using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>posix_spawnattr_setsigdefault(3): signals reset to SIG_DFL in the child.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigdefault")]
    internal static unsafe partial int PosixSpawnattrSetsigdefault(void* attributes, void* sigset);
}
