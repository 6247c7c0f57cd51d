using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spawn.Interop;

// epoll: one instance watches every pidfd and pipe end Spawn waits on.
internal static partial class Sys
{
    internal const int EPOLL_CLOEXEC = 0x80000;

    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;

    internal const uint EPOLLIN = 0x1;
    internal const uint EPOLLOUT = 0x4;
    internal const uint EPOLLHUP = 0x10;
    internal const uint EPOLLONESHOT = 1u << 30;

    /// <summary>epoll_create1(2).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    /// <summary>epoll_ctl(2). <paramref name="evt"/> points at an <see cref="EpollEvent"/> buffer.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(int epfd, int op, int fd, byte* evt);

    /// <summary>epoll_wait(2) into a buffer of <see cref="EpollEvent.Size"/>-byte records.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMilliseconds);
}

/// <summary>
/// struct epoll_event is packed on x86-64 (12 bytes: the 64-bit data follows the 32-bit mask
/// directly) and naturally aligned elsewhere (16 bytes), so it is read and written by offset.
/// </summary>
internal static unsafe class EpollEvent
{
    internal static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    internal static void Write(byte* record, uint events, ulong data)
    {
        *(uint*)record = events;
        Unsafe.WriteUnaligned(record + DataOffset, data);
    }

    internal static uint ReadEvents(byte* record) => *(uint*)record;

    internal static ulong ReadData(byte* record) => Unsafe.ReadUnaligned<ulong>(record + DataOffset);
}
