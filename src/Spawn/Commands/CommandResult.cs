namespace Spawn;

/// <summary>How a command's run ended.</summary>
public class CommandResult
{
    internal CommandResult(Command command, ProcessState state, DateTimeOffset startTime, DateTimeOffset exitTime, bool waitDelayExpired, TreeUsage? tree)
    {
        Command = command;
        State = state;
        StartTime = startTime;
        ExitTime = exitTime;
        WaitDelayExpired = waitDelayExpired;
        Tree = tree;
    }

    internal CommandResult(CommandResult other)
        : this(other.Command, other.State, other.StartTime, other.ExitTime, other.WaitDelayExpired, other.Tree)
    {
    }

    /// <summary>What the whole process tree used, for a command run with <see cref="Command.WithProcessTree"/>; else null.</summary>
    public TreeUsage? Tree { get; }

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

    /// <summary>"exit status 0 after 12 ms".</summary>
    public override string ToString() => $"{State} after {RunTime.TotalMilliseconds:0} ms";
}
