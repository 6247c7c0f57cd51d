using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const uint EPOLLOUT = 0x4;
    internal const uint EPOLLERR = 0x8;
    internal const uint EPOLLHUP = 0x10;
    internal const uint EPOLLIN = 0x1;
    internal const uint EPOLLONESHOT = 1u << 30;

    /// <summary>epoll_ctl(2). <paramref name="evt"/> points at an <see cref="EpollEvent"/> buffer.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(int epfd, int op, int fd, byte* evt);
}
