using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// A process's unique ID: the inode number of its pidfd on pidfs (Linux 6.9+), which the kernel
/// never hands out again while the system runs, unlike the PID. Before 6.9 every pidfd is the same
/// anonymous inode, so its inode number says nothing: the file system's magic number (fstatfs)
/// tells the two apart, as systemd does. util-linux's kill and waitpid write it as PID:INODE.
/// </summary>
internal static class PidfsIdentity
{
    /// <summary>PID_FS_MAGIC ("PIDF"), the f_type of a pidfd on pidfs; anonymous-inode pidfds have ANON_INODE_FS_MAGIC.</summary>
    private const long PidFsMagic = 0x50494446;

    /// <summary>Why unique IDs are unavailable in this process, or null when they are; probed once on our own pidfd.</summary>
    internal static string? UnavailableReason => s_unavailableReason.Value;

    private static readonly Lazy<string?> s_unavailableReason = new(Probe);

    private static string? Probe()
    {
        int fd = Sys.PidfdOpen(System.Environment.ProcessId);
        if (fd < 0)
        {
            return $"no pidfd could be opened to read it (pidfd_open: {Errno.Describe(Marshal.GetLastPInvokeError())}; Linux 5.3 or later, outside a filter that refuses it, is needed)";
        }
        try
        {
            return IsOnPidfs(fd) ? null : "this kernel's pidfds are anonymous inodes, not on pidfs (Linux 6.9 or later gives each process a unique inode)";
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    /// <summary>The unique ID of the pidfd's process, or null when the kernel has no pidfs. The caller keeps <paramref name="pidfd"/> open.</summary>
    internal static unsafe ulong? Of(int pidfd)
    {
        if (UnavailableReason is not null) return null;
        byte* buffer = stackalloc byte[256]; // struct stat is 144 bytes on x86-64 and 128 on arm64
        return Sys.Fstat(pidfd, buffer) == 0 ? *(ulong*)(buffer + 8) : null;
    }

    /// <summary>
    /// The unique ID of the process that has <paramref name="pid"/> now, through a pidfd opened for the
    /// moment (PID mode has none of its own), or null when it is unavailable or no process has the PID.
    /// The caller makes sure the PID still names the process it means (a child not yet reaped does).
    /// </summary>
    internal static ulong? OfPid(int pid)
    {
        if (UnavailableReason is not null) return null;
        int fd = Sys.PidfdOpen(pid);
        if (fd < 0) return null;
        try
        {
            return Of(fd);
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    private static unsafe bool IsOnPidfs(int fd)
    {
        byte* buffer = stackalloc byte[256]; // struct statfs is 120 bytes on 64-bit Linux
        return Sys.Fstatfs(fd, buffer) == 0 && *(long*)buffer == PidFsMagic;
    }
}
