using System.Globalization;

namespace Spawn;

/// <summary>
/// How a process ended: its exit code or terminating signal, and, when Spawn reaped it, the CPU
/// time and peak memory it used. Immutable; every wait on one process returns the same instance.
/// </summary>
public sealed class ProcessState
{
    internal ProcessState(int pid, int? exitCode, int? signal, bool coreDumped, ExitStatusSource source,
        TimeSpan? userTime = null, TimeSpan? systemTime = null, long? maxRssBytes = null, string? unknownReason = null)
    {
        Pid = pid;
        ExitCode = exitCode;
        Signal = signal;
        CoreDumped = coreDumped;
        Source = source;
        UserTime = userTime;
        SystemTime = systemTime;
        MaxRssBytes = maxRssBytes;
        UnknownReason = unknownReason;
    }

    /// <summary>The process ID the process had.</summary>
    public int Pid { get; }

    /// <summary>The exit code (0-255) when the process exited normally; null when a signal ended it or the status is unknown.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal that ended the process; null when it exited normally or the status is unknown.</summary>
    public int? Signal { get; }

    /// <summary>Whether the terminating signal produced a core dump.</summary>
    public bool CoreDumped { get; }

    /// <summary>True when the process exited with code 0.</summary>
    public bool Success => ExitCode == 0;

    /// <summary>True when the process exited normally (not by a signal) and the code is known.</summary>
    public bool Exited => ExitCode.HasValue;

    /// <summary>Where the status came from: Spawn's own reap, the kernel's pidfd record, or nowhere.</summary>
    public ExitStatusSource Source { get; }

    /// <summary>CPU time spent in user mode (children it waited for included); null (unknown) unless <see cref="Source"/> is <see cref="ExitStatusSource.Reaped"/>.</summary>
    public TimeSpan? UserTime { get; }

    /// <summary>CPU time spent in the kernel on its behalf; null (unknown) unless <see cref="Source"/> is <see cref="ExitStatusSource.Reaped"/>.</summary>
    public TimeSpan? SystemTime { get; }

    /// <summary>
    /// The process's own peak resident set size in bytes (ru_maxrss: its children it waited for
    /// included), or null when it is unknown: unless <see cref="Source"/> is
    /// <see cref="ExitStatusSource.Reaped"/>, and whenever the kernel's figure may be ours.
    /// </summary>
    /// <remarks>
    /// At exec Linux folds the peak of the memory being replaced into the process's figure, and a
    /// child started vfork-style (as every spawn path starts them) replaces the memory of this
    /// process. A figure above our own peak at the start is the child's; one at or below it may be
    /// ours, and is reported as null rather than as the child's. With
    /// <see cref="StartOptions.ExactPeakMemory"/> the
    /// child starts from a tiny process instead, and the figure is always its own.
    /// </remarks>
    public long? MaxRssBytes { get; }

    /// <summary>When <see cref="Source"/> is <see cref="ExitStatusSource.Unknown"/>, why the status could not be learned.</summary>
    public string? UnknownReason { get; }

    /// <summary>"exit status 42", "signal: killed", "signal: aborted (core dumped)" or "exit status unknown".</summary>
    public override string ToString()
    {
        if (ExitCode is int code) return "exit status " + code.ToString(CultureInfo.InvariantCulture);
        if (Signal is int signal) return "signal: " + Signals.Describe(signal) + (CoreDumped ? " (core dumped)" : "");
        return "exit status unknown";
    }

    /// <summary>Decodes a wait(2)-style status word (as wait4 and PIDFD_INFO_EXIT give it).</summary>
    internal static ProcessState FromWaitStatus(int pid, int status, ExitStatusSource source,
        TimeSpan? userTime = null, TimeSpan? systemTime = null, long? maxRssBytes = null)
    {
        int termSignal = status & 0x7f;
        return termSignal == 0
            ? new ProcessState(pid, (status >> 8) & 0xff, null, false, source, userTime, systemTime, maxRssBytes)
            : new ProcessState(pid, null, termSignal, (status & 0x80) != 0, source, userTime, systemTime, maxRssBytes);
    }

    internal static ProcessState Unknown(int pid, string reason) =>
        new(pid, null, null, false, ExitStatusSource.Unknown, unknownReason: reason);
}
