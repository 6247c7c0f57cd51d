using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>ioctl(2) with a pointer argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* argument);
}
