using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Decides once per process whether pidfds really work here, as Go's checkPidfd does: a kernel can
/// be too old, a seccomp filter (containers, sandboxes) can refuse the calls, an emulator can lack
/// them. <c>SPAWN_PIDFD=0</c> forces PID mode, so the whole suite can run in both modes.
/// </summary>
internal static class HandleMode
{
    /// <summary>True in handle mode (pidfd), false in PID mode.</summary>
    internal static readonly bool UsePidfd = Probe();

    private static unsafe bool Probe()
    {
        if (System.Environment.GetEnvironmentVariable("SPAWN_PIDFD") == "0") return false;
        if (!OperatingSystem.IsLinux() || SyscallNumbers.Waitid < 0) return false;

        int fd = Sys.PidfdOpen(System.Environment.ProcessId);
        if (fd < 0)
        {
            // No free descriptor (or memory) says nothing about pidfds, and this choice is made for
            // good: probe without one rather than settle for PID mode because the first start came
            // at the open-file limit.
            Errno errno = Errno.Last();
            return (errno is Errno.EMFILE or Errno.ENFILE or Errno.ENOMEM) && ProbeWithoutDescriptor();
        }
        try
        {
            // We are not our own child: a working waitid(P_PIDFD) says ECHILD. EINVAL (kernel < 5.4)
            // or EPERM/ENOSYS (a filter) means waits through the pidfd cannot be used.
            SigInfo info = default;
            if (Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED | Sys.WNOHANG, null) == 0) return false;
            if (Errno.Last() != Errno.ECHILD) return false;

            // Signal 0 checks delivery without sending anything.
            return Sys.PidfdSendSignal(fd, 0) == 0;
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    /// <summary>
    /// The same questions asked of a descriptor that is not open: a kernel that has waitid(P_PIDFD)
    /// and pidfd_send_signal, and a filter that lets them through, answer EBADF; an older kernel
    /// EINVAL or ENOSYS, a filter its errno. (pidfd_open itself got as far as wanting a descriptor.)
    /// </summary>
    private static unsafe bool ProbeWithoutDescriptor()
    {
        const int NotOpen = int.MaxValue;
        SigInfo info = default;
        if (Sys.Waitid(Sys.P_PIDFD, NotOpen, &info, Sys.WEXITED | Sys.WNOHANG, null) == 0 || Errno.Last() != Errno.EBADF) return false;
        return Sys.PidfdSendSignal(NotOpen, 0) != 0 && Errno.Last() == Errno.EBADF;
    }
}
