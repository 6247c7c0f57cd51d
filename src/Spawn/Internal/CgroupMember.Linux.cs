using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Signals a process listed in a cgroup's cgroup.procs only once it is confirmed to be still a
/// member: the list may be stale, and its PID may since name another process.
/// </summary>
internal static class CgroupMember
{
    /// <summary>
    /// True when <paramref name="pid"/> is still in the cgroup <paramref name="cgroupPath"/> (ID
    /// <paramref name="cgroupId"/>, 0 when unknown) and got <paramref name="signal"/>.
    /// </summary>
    /// <exception cref="SpawnException">No pidfd could be opened for lack of descriptors or memory.</exception>
    internal static bool Signal(string cgroupPath, ulong cgroupId, int pid, int signal)
    {
        int fd = Sys.PidfdOpen(pid);
        if (fd < 0)
        {
            Errno errno = Errno.Last();
            if (errno == Errno.ESRCH) return false; // gone since it was listed
            if (errno is Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM) throw SpawnException.FromErrno($"Opening a pidfd for process {pid} of the tree {cgroupPath} (pidfd_open)", errno);
            // No pidfds here (a sandbox refuses them): check membership, then signal by number.
            return BelongsByProc(cgroupPath, pid) && Sys.Kill(pid, signal) == 0;
        }
        try
        {
            return BelongsByPidfd(cgroupPath, cgroupId, fd, pid) && Sys.PidfdSendSignal(fd, signal) == 0;
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    /// <summary>The kernel's cgroup ID for the pidfd's process (6.13+), else /proc read after the pidfd pinned it.</summary>
    private static unsafe bool BelongsByPidfd(string cgroupPath, ulong cgroupId, int pidfd, int pid)
    {
        PidfdInfo info = default;
        info.Mask = PidfdInfo.PIDFD_INFO_CGROUPID;
        if (cgroupId != 0 && Sys.Ioctl(pidfd, PidfdInfo.PIDFD_GET_INFO, &info) == 0 && (info.Mask & PidfdInfo.PIDFD_INFO_CGROUPID) != 0)
        {
            return info.CgroupId == cgroupId;
        }
        return BelongsByProc(cgroupPath, pid);
    }

    private static bool BelongsByProc(string cgroupPath, int pid)
    {
        string relative = "/" + Path.GetRelativePath(CgroupHierarchy.V2Mount!, cgroupPath);
        string? cgroups = CgroupFile.ReadIfPresent($"/proc/{pid}/cgroup");
        return cgroups is not null && cgroups.Split('\n').Any(l => l.StartsWith("0::", StringComparison.Ordinal) && l[3..] == relative);
    }
}
