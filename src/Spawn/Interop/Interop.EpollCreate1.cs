using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int EPOLL_CLOEXEC = 0x80000;

    /// <summary>epoll_create1(2).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);
}
