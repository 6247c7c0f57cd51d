using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>Turns what the kernel reports about an ended process into a <see cref="ProcessState"/>.</summary>
internal static class ExitStatus
{
    internal static ProcessState FromSigInfo(int pid, in SigInfo info, in RUsage usage, long inheritedPeakKiB)
    {
        bool exited = info.Code == SigInfo.CLD_EXITED;
        return new ProcessState(pid,
            exitCode: exited ? info.Status : null,
            signal: exited ? null : info.Status,
            coreDumped: info.Code == SigInfo.CLD_DUMPED,
            ExitStatusSource.Reaped,
            UserTime(usage), SystemTime(usage), OwnPeakBytes(usage, inheritedPeakKiB));
    }

    internal static ProcessState FromWaitStatus(int pid, int status, in RUsage usage, long inheritedPeakKiB) =>
        ProcessState.FromWaitStatus(pid, status, ExitStatusSource.Reaped, UserTime(usage), SystemTime(usage), OwnPeakBytes(usage, inheritedPeakKiB));

    /// <summary>
    /// The child's own peak resident size, or null when it may be ours. At exec Linux folds the peak
    /// of the memory being replaced into the child's ru_maxrss, and a child started vfork-style
    /// replaces ours: the figure is max(its own peak, at most <paramref name="inheritedPeakKiB"/>), so
    /// only a figure above that bound is certainly its own.
    /// </summary>
    internal static long? OwnPeakBytes(in RUsage usage, long inheritedPeakKiB) =>
        usage.MaxRssKiB > inheritedPeakKiB ? usage.MaxRssKiB * 1024 : null;

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
