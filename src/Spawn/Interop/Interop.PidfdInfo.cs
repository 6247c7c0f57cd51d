using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>
/// struct pidfd_info as far as PIDFD_INFO_SIZE_VER0 (64 bytes), which already holds exit_code.
/// PIDFD_INFO_PID (always given while the process runs) fills pid, tgid and ppid (6.13+).
/// The kernel fills exit_code (a wait status) once the process has been reaped, by anyone (6.15+).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct PidfdInfo
{
    internal const ulong PIDFD_INFO_PID = 1UL << 0;
    internal const ulong PIDFD_INFO_CGROUPID = 1UL << 2;
    internal const ulong PIDFD_INFO_EXIT = 1UL << 3;

    /// <summary>_IOWR(0xFF, 11, 64 bytes): the ioctl number for PIDFD_GET_INFO with this struct size.</summary>
    internal const nuint PIDFD_GET_INFO = (3u << 30) | (64u << 16) | (0xFFu << 8) | 11u;

    [FieldOffset(0)] internal ulong Mask;
    [FieldOffset(8)] internal ulong CgroupId;
    [FieldOffset(24)] internal uint Ppid;
    [FieldOffset(60)] internal int ExitCode;
}
