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

    private const int Unknown = 0, OnPidfs = 1, Anonymous = -1;

    /// <summary>Whether pidfds are on pidfs here: decided once, on the first pidfd at hand.</summary>
    private static int s_kind;

    /// <summary>Why unique IDs are unavailable in this process, or null when they are.</summary>
    internal static string? UnavailableReason
    {
        get
        {
            if (Volatile.Read(ref s_kind) == Unknown)
            {
                int fd = Sys.PidfdOpen(System.Environment.ProcessId);
                // Not decided for good: a full fd table says nothing about pidfs.
                if (fd < 0) return $"no pidfd could be opened to read it (pidfd_open: {Errno.Last().Describe()})";
                try
                {
                    Decide(fd);
                }
                finally
                {
                    Sys.Close(fd);
                }
            }
            return Volatile.Read(ref s_kind) switch
            {
                OnPidfs => null,
                Anonymous => "this kernel's pidfds are anonymous inodes, not on pidfs (Linux 6.9 or later gives each process a unique inode)",
                _ => "the file system of a pidfd could not be read (fstatfs)",
            };
        }
    }

    /// <summary>The unique ID of the pidfd's process, or null when the kernel has no pidfs. The caller keeps <paramref name="pidfd"/> open.</summary>
    internal static unsafe ulong? Of(int pidfd)
    {
        int kind = Volatile.Read(ref s_kind);
        if (kind == Unknown) kind = Decide(pidfd);
        if (kind != OnPidfs) return null;
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
        if (Volatile.Read(ref s_kind) == Anonymous) return null;
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

    /// <summary>fstatfs on a pidfd: pidfs or an anonymous inode, kept for good; Unknown (not kept) when the call fails.</summary>
    private static unsafe int Decide(int pidfd)
    {
        byte* buffer = stackalloc byte[256]; // struct statfs is 120 bytes on 64-bit Linux
        if (Sys.Fstatfs(pidfd, buffer) != 0) return Unknown;
        int kind = *(long*)buffer == PidFsMagic ? OnPidfs : Anonymous;
        Volatile.Write(ref s_kind, kind);
        return kind;
    }
}
