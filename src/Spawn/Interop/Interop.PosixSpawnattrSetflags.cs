using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const short POSIX_SPAWN_SETPGROUP = 0x02;
    internal const short POSIX_SPAWN_SETSIGDEF = 0x04;
    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;
    internal const short POSIX_SPAWN_SETSID = 0x80;

    /// <summary>posix_spawnattr_setflags(3): 0 or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawnattr_setflags")]
    internal static unsafe partial int PosixSpawnattrSetflags(void* attributes, short flags);
}
