using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int F_DUPFD_CLOEXEC = 1030;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int F_SETPIPE_SZ = 1031;

    /// <summary>fcntl(2) with an integer argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);
}
