namespace Spawn;

/// <summary>How a run ended, from the caller's point of view (see <see cref="CommandResult.Outcome"/>).</summary>
public enum CommandOutcome
{
    /// <summary>The process exited with code 0.</summary>
    Succeeded,

    /// <summary>The process exited with a non-zero code.</summary>
    NonZeroExit,

    /// <summary>A signal ended the process (not one Spawn sent for a cancellation or timeout).</summary>
    Signaled,

    /// <summary>The run passed its time limit and was ended.</summary>
    TimedOut,

    /// <summary>The run's token was cancelled and the run was ended.</summary>
    Canceled,

    /// <summary>The process ended but its exit status could not be learned (see <see cref="ProcessState.UnknownReason"/>).</summary>
    Unknown,
}
