using System.Runtime.InteropServices;

namespace Spawn.Tests.Support;

/// <summary>libc calls the tests need to play the part of other components.</summary>
internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    internal static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    internal static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);

    internal const int F_GETFD = 1;
    internal const int F_DUPFD_CLOEXEC = 1030;

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static unsafe partial int Poll(PollFd* fds, nuint count, int timeout);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        internal int Fd;
        internal short Events;
        internal short REvents;
    }

    /// <summary>True when <paramref name="fd"/> polls readable now (a pidfd: its process has exited).</summary>
    internal static unsafe bool PollReadable(int fd)
    {
        var pollFd = new PollFd { Fd = fd, Events = 1 /* POLLIN */ };
        return Poll(&pollFd, 1, 0) > 0 && (pollFd.REvents & 1) != 0;
    }

    internal static bool IsRoot => GetEuid() == 0;

    /// <summary>True if <paramref name="fd"/> is an open descriptor of this process.</summary>
    internal static bool IsOpen(int fd) => Fcntl(fd, F_GETFD, 0) >= 0;

    /// <summary>The state letter of a process from /proc/PID/stat (R, S, T, Z ...), or null when gone.</summary>
    internal static char? ProcState(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
