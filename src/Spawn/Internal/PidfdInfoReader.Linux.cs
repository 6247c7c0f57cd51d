using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Describes a process through its pidfd with the PIDFD_GET_INFO ioctl (Linux 6.13+): parent,
/// credentials and cgroup as the kernel has them for exactly that process, with none of the races
/// of reading /proc/PID, whose PID may meanwhile name another process.
/// </summary>
internal static class PidfdInfoReader
{
    /// <summary>What the kernel says of the pidfd's process (the caller keeps <paramref name="pidfd"/> open).</summary>
    /// <exception cref="PlatformNotSupportedException">The kernel has no PIDFD_GET_INFO (before 6.13).</exception>
    /// <exception cref="InvalidOperationException">The process has been reaped.</exception>
    /// <exception cref="SpawnException">Another failure of the ioctl.</exception>
    internal static unsafe ProcessInfo Read(int pidfd, int pid)
    {
        PidfdInfo info = default;
        info.Mask = PidfdInfo.PIDFD_INFO_PID | PidfdInfo.PIDFD_INFO_CREDS | PidfdInfo.PIDFD_INFO_CGROUPID;
        if (Sys.Ioctl(pidfd, PidfdInfo.PIDFD_GET_INFO, &info) != 0)
        {
            Errno errno = Errno.Last();
            throw errno switch
            {
                Errno.ESRCH => Finished(pid),
                // An anonymous-inode pidfd (before 6.9) or pidfs without the ioctl (6.9 to 6.12).
                Errno.ENOTTY or Errno.EINVAL => new PlatformNotSupportedException(
                    $"Describing process {pid} needs the PIDFD_GET_INFO ioctl of Linux 6.13 or later, which this kernel does not have ({errno.Describe()})."),
                _ => SpawnException.FromErrno($"Describing process {pid} (ioctl PIDFD_GET_INFO)", errno),
            };
        }
        const ulong Creds = PidfdInfo.PIDFD_INFO_PID | PidfdInfo.PIDFD_INFO_CREDS;
        if ((info.Mask & Creds) != Creds) throw Finished(pid);
        ulong? cgroup = (info.Mask & PidfdInfo.PIDFD_INFO_CGROUPID) != 0 ? info.CgroupId : null;
        return new ProcessInfo((int)info.Tgid, (int)info.Ppid,
            new ProcessCredentials(info.Ruid, info.Euid, info.Suid, info.Fsuid),
            new ProcessCredentials(info.Rgid, info.Egid, info.Sgid, info.Fsgid),
            cgroup);
    }

    internal static InvalidOperationException Finished(int pid) => new($"Process {pid} has finished; there is nothing left to describe.");
}
