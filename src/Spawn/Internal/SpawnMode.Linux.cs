using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Decides once per process whether pidfds really work here, as Go's checkPidfd does: a kernel can
/// be too old, a seccomp filter (containers, sandboxes) can refuse the calls, an emulator can lack
/// them. <c>SPAWN_PIDFD=0</c> forces PID mode, so the whole suite can run in both modes.
/// </summary>
internal static class SpawnMode
{
    /// <summary>True in handle mode (pidfd), false in PID mode.</summary>
    internal static readonly bool UsePidfd = Probe();

    private static unsafe bool Probe()
    {
        if (System.Environment.GetEnvironmentVariable("SPAWN_PIDFD") == "0") return false;
        if (!OperatingSystem.IsLinux() || SyscallNumbers.Waitid < 0) return false;

        int fd = Sys.PidfdOpen(System.Environment.ProcessId);
        if (fd < 0) return false;
        try
        {
            // We are not our own child: a working waitid(P_PIDFD) says ECHILD. EINVAL (kernel < 5.4)
            // or EPERM/ENOSYS (a filter) means waits through the pidfd cannot be used.
            SigInfo info = default;
            if (Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED | Sys.WNOHANG, null) == 0) return false;
            if (Marshal.GetLastPInvokeError() != Errno.ECHILD) return false;

            // Signal 0 checks delivery without sending anything.
            return Sys.PidfdSendSignal(fd, 0) == 0;
        }
        finally
        {
            Sys.Close(fd);
        }
    }
}
