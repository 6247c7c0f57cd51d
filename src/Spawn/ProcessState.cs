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
    /// Peak resident set size in bytes (ru_maxrss); null (unknown) unless <see cref="Source"/> is
    /// <see cref="ExitStatusSource.Reaped"/>. Linux records the replaced memory's high-water mark at
    /// exec, and a child started vfork-style (as Spawn starts them) replaces the parent's memory,
    /// so this is at least the parent's resident size at the time of the start.
    /// </summary>
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
