using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spawn.Benchmarks.Floor;

/// <summary>
/// The floor's system calls, declared here so the floor owes nothing to any library: libc's
/// posix_spawn family, pidfd_open, waitid, pipes, epoll, read. glibc 2.36+ exports the pidfd
/// wrappers.
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";

    internal const int P_PIDFD = 3;
    internal const int WEXITED = 0x4;
    internal const int WNOHANG = 0x1;
    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int O_CLOEXEC = 0x80000;
    internal const int O_RDONLY = 0;
    internal const int F_DUPFD_CLOEXEC = 1030;
    internal const int SIGKILL = 9;
    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const uint EPOLLIN = 0x001;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;

    /// <summary>glibc's posix_spawn_file_actions_t is 80 bytes on x86-64; room to spare.</summary>
    internal const int FileActionsSize = 256;

    /// <summary>siginfo_t is 128 bytes.</summary>
    internal const int SigInfoSize = 128;

    /// <summary>struct epoll_event is packed on x86-64: 4 bytes of events, 8 of data.</summary>
    internal const int EpollEventSize = 12;

    [LibraryImport(Libc, EntryPoint = "posix_spawn")]
    internal static partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_init")]
    internal static partial int FileActionsInit(void* fileActions);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static partial int FileActionsAddDup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static partial int FileActionsDestroy(void* fileActions);

    [LibraryImport(Libc, EntryPoint = "pidfd_open", SetLastError = true)]
    internal static partial int PidfdOpen(int pid, uint flags);

    [LibraryImport(Libc, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    internal static partial int PidfdSendSignal(int pidfd, int signal, void* info, uint flags);

    [LibraryImport(Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static partial int Waitid(int idType, int id, void* info, int options);

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nint count);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nint count);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true)]
    internal static partial int Open(byte* path, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Libc, EntryPoint = "dup2", SetLastError = true)]
    internal static partial int Dup2(int fd, int newFd);

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epollFd, int operation, int fd, void* evt);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epollFd, void* events, int maxEvents, int timeout);

    internal static void WriteEpollEvent(byte* record, uint events, ulong data)
    {
        *(uint*)record = events;
        Unsafe.WriteUnaligned(record + 4, data);
    }

    internal static ulong ReadEpollData(byte* record) => Unsafe.ReadUnaligned<ulong>(record + 4);

    internal static Exception Error(string what, int errno) =>
        new InvalidOperationException($"floor: {what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");

    internal static Exception LastError(string what) => Error(what, Marshal.GetLastPInvokeError());
}
