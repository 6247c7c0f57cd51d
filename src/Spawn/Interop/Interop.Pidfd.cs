using System.Runtime.InteropServices;

namespace Spawn.Interop;

// pidfds: pidfd_open (Linux 5.3), pidfd_send_signal (5.1), waitid(P_PIDFD) (5.4, see Interop.Wait.cs),
// PIDFD_SIGNAL_PROCESS_GROUP (6.9), PIDFD_GET_INFO (6.13), its exit status (6.15); pidfd_getpid and
// pidfd_spawn (see Interop.PosixSpawn.cs) come with glibc 2.39.
internal static unsafe partial class Sys
{
    /// <summary>Signal the process group of the pidfd's process (Linux 6.9+; EINVAL before).</summary>
    internal const uint PIDFD_SIGNAL_PROCESS_GROUP = 1u << 2;

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial int SyscallPidfdOpen(long number, int pid, uint flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial int SyscallPidfdSendSignal(long number, int pidfd, int signal, nint info, uint flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial int SyscallPidfdSendSignal(long number, SafeHandle pidfd, int signal, nint info, uint flags);

    private static readonly delegate* unmanaged<int, int> s_pidfdGetPid =
        (delegate* unmanaged<int, int>)LibcExport.Find("pidfd_getpid");

    /// <summary>pidfd_open(2): a close-on-exec pidfd for <paramref name="pid"/>, or -1 with errno set.</summary>
    internal static int PidfdOpen(int pid) => SyscallPidfdOpen(SyscallNumbers.PidfdOpen, pid, 0);

    /// <summary>pidfd_send_signal(2) with no siginfo: 0, or -1 with errno set.</summary>
    internal static int PidfdSendSignal(int pidfd, int signal, uint flags = 0) =>
        SyscallPidfdSendSignal(SyscallNumbers.PidfdSendSignal, pidfd, signal, 0, flags);

    /// <summary>pidfd_send_signal(2) on a pidfd held for the call: 0, or -1 with errno set.</summary>
    /// <exception cref="ObjectDisposedException">The handle is closed.</exception>
    internal static int PidfdSendSignal(SafeHandle pidfd, int signal, uint flags = 0) =>
        SyscallPidfdSendSignal(SyscallNumbers.PidfdSendSignal, pidfd, signal, 0, flags);

    /// <summary>pidfd_getpid(3) (glibc 2.39+): the pid a pidfd refers to, or -1 with errno set.</summary>
    internal static int PidfdGetPid(int pidfd) => s_pidfdGetPid(pidfd);
}

/// <summary>
/// struct pidfd_info as far as PIDFD_INFO_SIZE_VER0 (64 bytes), which already holds exit_code.
/// The kernel always fills pid, tgid and ppid (PIDFD_INFO_PID) and the credentials
/// (PIDFD_INFO_CREDS) while the process is not reaped (6.13+), the cgroup ID when it has one
/// (PIDFD_INFO_CGROUPID), and exit_code (a wait status) once the process has been reaped, by
/// anyone, when asked for PIDFD_INFO_EXIT (6.15+).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct PidfdInfo
{
    internal const ulong PIDFD_INFO_PID = 1UL << 0;
    internal const ulong PIDFD_INFO_CREDS = 1UL << 1;
    internal const ulong PIDFD_INFO_CGROUPID = 1UL << 2;
    internal const ulong PIDFD_INFO_EXIT = 1UL << 3;

    /// <summary>_IOWR(0xFF, 11, 64 bytes): the ioctl number for PIDFD_GET_INFO with this struct size.</summary>
    internal const nuint PIDFD_GET_INFO = (3u << 30) | (64u << 16) | (0xFFu << 8) | 11u;

    [FieldOffset(0)] internal ulong Mask;
    [FieldOffset(8)] internal ulong CgroupId;
    [FieldOffset(16)] internal uint Pid;
    [FieldOffset(20)] internal uint Tgid;
    [FieldOffset(24)] internal uint Ppid;
    [FieldOffset(28)] internal uint Ruid;
    [FieldOffset(32)] internal uint Rgid;
    [FieldOffset(36)] internal uint Euid;
    [FieldOffset(40)] internal uint Egid;
    [FieldOffset(44)] internal uint Suid;
    [FieldOffset(48)] internal uint Sgid;
    [FieldOffset(52)] internal uint Fsuid;
    [FieldOffset(56)] internal uint Fsgid;
    [FieldOffset(60)] internal int ExitCode;
}
