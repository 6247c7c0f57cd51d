using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>Turns what the kernel reports about an ended process into a <see cref="ProcessState"/>.</summary>
internal static class ExitStatus
{
    internal static ProcessState FromSigInfo(int pid, in SigInfo info, in RUsage usage)
    {
        bool exited = info.Code == SigInfo.CLD_EXITED;
        return new ProcessState(pid,
            exitCode: exited ? info.Status : null,
            signal: exited ? null : info.Status,
            coreDumped: info.Code == SigInfo.CLD_DUMPED,
            ExitStatusSource.Reaped,
            UserTime(usage), SystemTime(usage), usage.MaxRssKiB * 1024);
    }

    internal static ProcessState FromWaitStatus(int pid, int status, in RUsage usage) =>
        ProcessState.FromWaitStatus(pid, status, ExitStatusSource.Reaped, UserTime(usage), SystemTime(usage), usage.MaxRssKiB * 1024);

    /// <summary>The exit status the kernel keeps on a reaped process's pidfd (Linux 6.15+), or null.</summary>
    internal static unsafe ProcessState? FromPidfdExitInfo(int pid, int pidfd)
    {
        PidfdInfo info = default;
        info.Mask = PidfdInfo.PIDFD_INFO_EXIT;
        if (Sys.Ioctl(pidfd, PidfdInfo.PIDFD_GET_INFO, &info) != 0) return null;
        if ((info.Mask & PidfdInfo.PIDFD_INFO_EXIT) == 0) return null;
        return ProcessState.FromWaitStatus(pid, info.ExitCode, ExitStatusSource.PidfdExitInfo);
    }

    private static TimeSpan UserTime(in RUsage usage) =>
        TimeSpan.FromSeconds(usage.UserSeconds) + TimeSpan.FromMicroseconds(usage.UserMicroseconds);

    private static TimeSpan SystemTime(in RUsage usage) =>
        TimeSpan.FromSeconds(usage.SystemSeconds) + TimeSpan.FromMicroseconds(usage.SystemMicroseconds);
}
