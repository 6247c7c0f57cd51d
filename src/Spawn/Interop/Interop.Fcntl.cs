using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int F_DUPFD_CLOEXEC = 1030;

    /// <summary>fcntl(2) with an integer argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);
}
