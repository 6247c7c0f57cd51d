using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// One of our standard streams (0, 1, 2), as a child that shares it gets it. A process can be
/// started with one of them closed (<c>cmd &lt;&amp;-</c>); the number is then free, and the first
/// descriptor the runtime or Spawn opens takes it: a pipe, an epoll set, a pidfd. Handing that to a
/// child as its stdin would let it read (or write) one of our own files. Everything this process
/// opens is close-on-exec, while a stream it was started with is not (a descriptor marked
/// close-on-exec would not have survived our exec): so a standard descriptor marked close-on-exec,
/// or not open at all, is not ours to share, and the child gets /dev/null in its place.
/// </summary>
internal static class StandardStream
{
    internal static SafeHandle ForChild(int fd) => StartedWith(fd) ? new SafeFileHandle(fd, ownsHandle: false) : DevNull.Handle;

    /// <summary>True when <paramref name="fd"/> is open without close-on-exec: a stream this process was started with.</summary>
    private static bool StartedWith(int fd)
    {
        int flags;
        do
        {
            flags = Sys.Fcntl(fd, Sys.F_GETFD, 0);
        }
        while (Eintr.Interrupted(flags));
        return flags >= 0 && (flags & Sys.FD_CLOEXEC) == 0;
    }
}
