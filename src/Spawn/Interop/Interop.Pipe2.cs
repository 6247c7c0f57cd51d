using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_NONBLOCK = 0x800;

    /// <summary>pipe2(2): fds[0] is the read end, fds[1] the write end.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);
}
