namespace Spawn;

/// <summary>How a pipeline ended: every member's result, and the pipefail verdict.</summary>
public sealed class PipelineResult
{
    internal PipelineResult(Pipeline pipeline, IReadOnlyList<CommandResult> members)
    {
        Pipeline = pipeline;
        Members = members;
        // pipefail: the rightmost member that did not succeed decides; all succeeded, the last one.
        Deciding = members.LastOrDefault(m => !m.Success) ?? members[^1];
    }

    /// <summary>The pipeline that ran.</summary>
    public Pipeline Pipeline { get; }

    /// <summary>Each command's result, left to right.</summary>
    public IReadOnlyList<CommandResult> Members { get; }

    /// <summary>The member whose status is the pipeline's (pipefail: the rightmost failure, else the last).</summary>
    public CommandResult Deciding { get; }

    /// <summary>The pipeline's state under pipefail.</summary>
    public ProcessState State => Deciding.State;

    /// <summary>The pipeline's exit code under pipefail (null when a signal ended the deciding member).</summary>
    public int? ExitCode => State.ExitCode;

    /// <summary>True when every member exited 0.</summary>
    public bool Success => Members.All(m => m.Success);

    /// <summary>"exit status 1 (true: exit status 0 | false: exit status 1 | true: exit status 0)".</summary>
    public override string ToString() =>
        $"{State} ({string.Join(" | ", Members.Select(m => $"{m.Command.Program}: {m.State}"))})";
}
