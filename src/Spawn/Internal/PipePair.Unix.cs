using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Creates a pipe between us and a child: both ends close-on-exec (the child gets its end by an
/// explicit dup2 at spawn), our end non-blocking so it can be driven by the epoll reactor, the
/// child's end blocking as programs expect.
/// </summary>
internal static unsafe class PipePair
{
    /// <summary>Pipe capacity asked for: fewer wake-ups when a child writes fast (Linux default is 64 KiB).</summary>
    private const int Capacity = 1 << 20;

    internal static (SafeFileHandle Read, SafeFileHandle Write) Create(bool parentReads)
    {
        int* fds = stackalloc int[2];
        if (Sys.Pipe2(fds, Sys.O_CLOEXEC) != 0)
        {
            throw SpawnException.FromErrno("Creating a pipe for a child (pipe2)", Errno.Last());
        }
        // Our end lives as long as the child: keep it out of the low range children's ends use.
        int parentFd = DescriptorPlacement.MoveHigh(parentReads ? fds[0] : fds[1]);
        if (parentReads) fds[0] = parentFd;
        else fds[1] = parentFd;
        var read = new SafeFileHandle(fds[0], ownsHandle: true);
        var write = new SafeFileHandle(fds[1], ownsHandle: true);
        int flags = Sys.Fcntl(parentFd, Sys.F_GETFL, 0);
        if (flags < 0 || Sys.Fcntl(parentFd, Sys.F_SETFL, flags | Sys.O_NONBLOCK) < 0)
        {
            Errno errno = Errno.Last();
            read.Dispose();
            write.Dispose();
            throw SpawnException.FromErrno("Making a pipe non-blocking (fcntl)", errno);
        }
        // Best effort: the limit for unprivileged users is /proc/sys/fs/pipe-max-size (1 MiB by default).
        _ = Sys.Fcntl(parentFd, Sys.F_SETPIPE_SZ, Capacity);
        return (read, write);
    }

    /// <summary>
    /// A pipe between two children (a pipeline): both ends blocking, as programs expect, and
    /// close-on-exec until each child gets its end by dup2. No byte of it passes through us.
    /// </summary>
    internal static (SafeFileHandle Read, SafeFileHandle Write) CreateBetweenChildren()
    {
        int* fds = stackalloc int[2];
        if (Sys.Pipe2(fds, Sys.O_CLOEXEC) != 0)
        {
            throw SpawnException.FromErrno("Creating a pipe between two commands (pipe2)", Errno.Last());
        }
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }
}
