namespace Spawn;

/// <summary>Where a <see cref="ProcessState"/>'s exit status came from.</summary>
public enum ExitStatusSource
{
    /// <summary>Spawn reaped the child itself: status and resource usage are exact.</summary>
    Reaped,

    /// <summary>
    /// The kernel's record on the pidfd (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux 6.15+): the status
    /// is exact, resource usage is not known (someone else reaped the process, or it is not our child).
    /// </summary>
    PidfdExitInfo,

    /// <summary>The process has finished but its status could not be learned (see <see cref="ProcessState.UnknownReason"/>).</summary>
    Unknown,
}
