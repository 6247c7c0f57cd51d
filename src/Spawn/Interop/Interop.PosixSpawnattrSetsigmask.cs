using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>posix_spawnattr_setsigmask(3): the signal mask the child starts with.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setsigmask")]
    internal static unsafe partial int PosixSpawnattrSetsigmask(void* attributes, void* sigset);
}
