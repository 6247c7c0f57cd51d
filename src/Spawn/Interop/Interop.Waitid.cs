using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int P_ALL = 0;
    internal const int P_PID = 1;
    internal const int P_PIDFD = 3;

    internal const int WNOHANG = 0x1;
    internal const int WEXITED = 0x4;
    internal const int WNOWAIT = 0x01000000;

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial int SyscallWaitid(long number, int idType, int id, SigInfo* info, int options, RUsage* usage);

    /// <summary>
    /// The raw waitid system call. Unlike glibc's wrapper it takes the fifth argument, the child's
    /// resource usage, so one call both reaps the child and collects its CPU time and peak memory.
    /// </summary>
    internal static unsafe int Waitid(int idType, int id, SigInfo* info, int options, RUsage* usage) =>
        SyscallWaitid(SyscallNumbers.Waitid, idType, id, info, options, usage);
}
