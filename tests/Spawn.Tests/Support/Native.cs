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
