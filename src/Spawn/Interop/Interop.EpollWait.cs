using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>epoll_wait(2) into a buffer of <see cref="EpollEvent.Size"/>-byte records.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMilliseconds);
}
