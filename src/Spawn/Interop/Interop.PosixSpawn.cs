using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>
    /// posix_spawn(3). Returns 0 or an error number (it does not set errno). glibc runs the child
    /// with CLONE_VM|CLONE_VFORK, so an exec failure comes back here as that error number, and glibc
    /// reaps the failed child itself.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn")]
    internal static unsafe partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);
}
