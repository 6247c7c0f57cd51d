namespace Spawn;

/// <summary>
/// How a command's run ended: the process's exit state, the run's <see cref="Outcome"/> (which
/// says whether a timeout or a cancellation ended it), and timings. The base of every result
/// Spawn returns: <see cref="BufferedCommandResult"/> and <see cref="BinaryCommandResult"/> add
/// captured output, <see cref="PipelineResult"/> every member's result.
/// </summary>
public class CommandResult
{
    internal CommandResult(Command command, ProcessState state, DateTimeOffset startTime, DateTimeOffset exitTime, bool waitDelayExpired, TreeUsage? tree,
        bool canceled = false, bool timedOut = false)
    {
        Command = command;
        State = state;
        StartTime = startTime;
        ExitTime = exitTime;
        WaitDelayExpired = waitDelayExpired;
        Tree = tree;
        Canceled = canceled;
        TimedOut = timedOut && !canceled;
    }

    internal CommandResult(CommandResult other)
        : this(other.Command, other.State, other.StartTime, other.ExitTime, other.WaitDelayExpired, other.Tree, other.Canceled, other.TimedOut)
    {
    }

    /// <summary>
    /// How the run ended: <see cref="CommandOutcome.TimedOut"/> or <see cref="CommandOutcome.Canceled"/>
    /// when Spawn ended it for that reason, else what the process did (<see cref="CommandOutcome.Succeeded"/>,
    /// <see cref="CommandOutcome.NonZeroExit"/>, <see cref="CommandOutcome.Signaled"/>, <see cref="CommandOutcome.Unknown"/>).
    /// A <see cref="WaitDelayExpired"/> run may have any outcome.
    /// </summary>
    public CommandOutcome Outcome =>
        TimedOut ? CommandOutcome.TimedOut
        : Canceled ? CommandOutcome.Canceled
        : State.Success ? CommandOutcome.Succeeded
        : State.Exited ? CommandOutcome.NonZeroExit
        : State.Signal is not null ? CommandOutcome.Signaled
        : CommandOutcome.Unknown;

    /// <summary>True when the run's token was cancelled before the run was over (the process was then ended).</summary>
    public bool Canceled { get; }

    /// <summary>True when the run passed its time limit (the process was then ended).</summary>
    public bool TimedOut { get; }

    /// <summary>What the whole process tree used, for a command run with <see cref="Command.WithProcessTree"/>; else null.</summary>
    public TreeUsage? Tree { get; }

    /// <summary>
    /// Which of the command's <see cref="Command.Limits"/> the kernel enforced: its OOM killer ended a
    /// process of the tree at the memory limit (<see cref="LimitsReached.Memory"/>), the process limit
    /// refused a fork (<see cref="LimitsReached.Processes"/>), or the process used up its CPU seconds and
    /// was ended for it (<see cref="LimitsReached.CpuTime"/>: SIGXCPU, or SIGKILL with its CPU time at
    /// the limit and no cancellation or OOM kill to explain it). A run may reach a limit and still succeed
    /// (a refused fork the program handled, an OOM kill of a grandchild).
    /// </summary>
    public LimitsReached LimitsReached
    {
        get
        {
            LimitsReached reached = LimitsReached.None;
            if (Tree?.OomKills is > 0) reached |= LimitsReached.Memory;
            if (Tree?.ForksRefused is > 0) reached |= LimitsReached.Processes;
            if (EndedByCpuLimit()) reached |= LimitsReached.CpuTime;
            return reached;
        }
    }

    private bool EndedByCpuLimit()
    {
        if (Command.Limits?.CpuSeconds is not long seconds) return false;
        if (State.Signal == Signals.SIGXCPU) return true;
        if (State.Signal != Signals.SIGKILL || Canceled || TimedOut || Tree?.OomKills is > 0) return false;
        TimeSpan used = (State.UserTime ?? TimeSpan.Zero) + (State.SystemTime ?? TimeSpan.Zero);
        return used >= TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(100);
    }

    /// <summary>The command that ran.</summary>
    public Command Command { get; }

    /// <summary>The process's end: exit code or signal, CPU time, peak memory.</summary>
    public ProcessState State { get; }

    /// <summary>The exit code; null when a signal ended the process.</summary>
    public int? ExitCode => State.ExitCode;

    /// <summary>True for exit code 0.</summary>
    public bool Success => State.Success;

    /// <summary>When the process started.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>When its exit was seen.</summary>
    public DateTimeOffset ExitTime { get; }

    /// <summary>From start to exit.</summary>
    public TimeSpan RunTime => ExitTime - StartTime;

    /// <summary>
    /// True when the process had exited but something (typically a grandchild) still held its
    /// pipes open past the command's wait delay, so Spawn closed them: output may be incomplete.
    /// </summary>
    public bool WaitDelayExpired { get; }

    /// <summary>"exit status 0 after 12 ms", "signal: terminated after 1002 ms (timed out)", "signal: killed after 80 ms (out of memory: ...)".</summary>
    public override string ToString() =>
        $"{State} after {RunTime.TotalMilliseconds:0} ms{(TimedOut ? " (timed out)" : Canceled ? " (canceled)" : "")}{(DescribeLimitsReached() is { } limits ? $" ({limits})" : "")}";

    /// <summary>
    /// <see cref="LimitsReached"/> in words a user understands ("out of memory: the kernel's OOM killer
    /// ended the command at its memory limit of 512 MiB (1 OOM kill)"), or null when none was reached.
    /// </summary>
    public string? DescribeLimitsReached()
    {
        LimitsReached reached = LimitsReached;
        if (reached == LimitsReached.None) return null;
        ResourceLimits limits = Command.Limits!;
        var parts = new List<string>();
        if (reached.HasFlag(LimitsReached.Memory))
        {
            string limit = limits.MemoryMax is long max ? $"its memory limit of {ResourceLimits.Bytes(max)}" : "its memory limit";
            string who = State.Signal == Signals.SIGKILL ? "the command" : "a process of its tree";
            parts.Add($"out of memory: the kernel's OOM killer ended {who} at {limit} ({Tree!.OomKills} OOM kill{(Tree.OomKills == 1 ? "" : "s")})");
        }
        if (reached.HasFlag(LimitsReached.Processes))
        {
            parts.Add($"process limit reached: {Tree!.ForksRefused} fork{(Tree.ForksRefused == 1 ? " was" : "s were")} refused at the limit of {limits.MaxProcesses} processes");
        }
        if (reached.HasFlag(LimitsReached.CpuTime))
        {
            parts.Add($"CPU time limit reached: the kernel ended the command after {limits.CpuSeconds} CPU seconds");
        }
        return string.Join("; ", parts);
    }

    /// <summary>What ran, as a shell user would type it (the pipeline for a <see cref="PipelineResult"/>).</summary>
    internal virtual string Describe() => Command.ToString();
}
