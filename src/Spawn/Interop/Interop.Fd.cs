using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Descriptors: open, close, read, write, fcntl, pipes, poll, ioctl.
internal static partial class Sys
{
    internal const int O_RDONLY = 0x0;
    internal const int O_WRONLY = 0x1;
    internal const int O_RDWR = 0x2;
    internal const int O_CREAT = 0x40;
    internal const int O_NOCTTY = 0x100;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_APPEND = 0x400;
    internal const int O_CLOEXEC = 0x80000;

    internal const int F_GETFD = 1;
    internal const int FD_CLOEXEC = 1;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int F_DUPFD_CLOEXEC = 1030;
    internal const int F_SETPIPE_SZ = 1031;

    internal const short POLLIN = 0x1;
    internal const short POLLPRI = 0x2;
    internal const short POLLOUT = 0x4;
    internal const short POLLERR = 0x8;
    internal const short POLLHUP = 0x10;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        internal int Fd;
        internal short Events;
        internal short REvents;
    }

    /// <summary>
    /// open(2). Used where the descriptor itself must carry a flag .NET does not set: .NET's
    /// FileMode.Append only tracks the offset in the SafeFileHandle, while a child needs O_APPEND.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags, int mode);

    /// <summary>close(2). Never retried on EINTR: Linux releases the descriptor either way.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>read(2).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(SafeHandle fd, byte* buffer, nuint count);

    /// <summary>write(2).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(SafeHandle fd, byte* buffer, nuint count);

    /// <summary>pread(2): a cgroup file kept open is read again from its start without moving a shared offset.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint Pread(SafeHandle fd, byte* buffer, nuint count, long offset);

    /// <summary>pwrite(2): a cgroup control file kept open is written at its start every time.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pwrite", SetLastError = true)]
    internal static unsafe partial nint Pwrite(SafeHandle fd, byte* buffer, nuint count, long offset);

    /// <summary>fcntl(2) with an integer argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    /// <summary>pipe2(2): fds[0] is the read end, fds[1] the write end.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);

    /// <summary>ioctl(2) with a pointer argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* argument);

    /// <summary>ioctl(2) with a pointer argument, on a descriptor held by a SafeHandle for the call.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(SafeHandle fd, nuint request, void* argument);

    /// <summary>poll(2): used to block on a pidfd until the process exits, on a pipe, and on a cgroup's events file.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    /// <summary>
    /// poll(2) on one descriptor held by a SafeHandle for the call (the marshaller cannot reach a
    /// descriptor inside struct pollfd, so the reference is taken here). The result of poll, with
    /// <paramref name="revents"/> filled when it is positive.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    internal static unsafe int Poll(SafeHandle fd, short events, int timeoutMilliseconds, out short revents)
    {
        bool added = false;
        fd.DangerousAddRef(ref added);
        try
        {
            var pollFd = new PollFd { Fd = (int)fd.DangerousGetHandle(), Events = events };
            int result = Poll(&pollFd, 1, timeoutMilliseconds);
            revents = pollFd.REvents;
            return result;
        }
        finally
        {
            fd.DangerousRelease();
        }
    }
}
