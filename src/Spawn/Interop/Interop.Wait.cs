using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Waiting for and reaping children: waitid (raw, with rusage; and glibc's), wait4.
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

    /// <summary>glibc's waitid(2) (no rusage argument): used in PID mode to block until a child is waitable.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static unsafe partial int WaitidLibc(int idType, int id, SigInfo* info, int options);

    internal const int RUSAGE_SELF = 0;

    /// <summary>getrusage(2): 0 and our own (or our reaped children's) resource usage, or -1 with errno set.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getrusage", SetLastError = true)]
    internal static unsafe partial int Getrusage(int who, RUsage* usage);

    /// <summary>wait4(2): reaps <paramref name="pid"/> and fills its resource usage (PID mode).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "wait4", SetLastError = true)]
    internal static unsafe partial int Wait4(int pid, int* status, int options, RUsage* usage);
}

/// <summary>The parts of siginfo_t that waitid fills for a child (Linux layout, 128 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct SigInfo
{
    internal const int CLD_EXITED = 1;
    internal const int CLD_DUMPED = 3;

    [FieldOffset(0)] internal int Signo;
    [FieldOffset(8)] internal int Code;
    [FieldOffset(16)] internal int Pid;
    [FieldOffset(24)] internal int Status;
}

/// <summary>struct rusage on 64-bit Linux: two timevals, then longs (ru_maxrss first, in KiB).</summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct RUsage
{
    [FieldOffset(0)] internal long UserSeconds;
    [FieldOffset(8)] internal long UserMicroseconds;
    [FieldOffset(16)] internal long SystemSeconds;
    [FieldOffset(24)] internal long SystemMicroseconds;
    [FieldOffset(32)] internal long MaxRssKiB;
}
