namespace Spawn;

/// <summary>
/// How a pipeline ended: every member's result, and the pipeline's own under <c>pipefail</c>. As a
/// <see cref="CommandResult"/> it is the deciding member's (the rightmost that did not succeed, else
/// the last): its <see cref="CommandResult.Command"/> and <see cref="CommandResult.State"/>, from the
/// first member's start to the last member's exit, <see cref="CommandResult.Canceled"/> or
/// <see cref="CommandResult.TimedOut"/> when any member was ended for that reason.
/// </summary>
public class PipelineResult : CommandResult
{
    internal PipelineResult(Pipeline pipeline, IReadOnlyList<CommandResult> members)
        : base(Decide(members).Command, Decide(members).State,
            members.Min(m => m.StartTime), members.Max(m => m.ExitTime),
            members.Any(m => m.WaitDelayExpired), tree: null,
            canceled: members.Any(m => m.Canceled), timedOut: members.Any(m => m.TimedOut))
    {
        Pipeline = pipeline;
        Members = members;
        Deciding = Decide(members);
    }

    private protected PipelineResult(PipelineResult other)
        : base(other)
    {
        Pipeline = other.Pipeline;
        Members = other.Members;
        Deciding = other.Deciding;
    }

    /// <summary>The pipeline that ran.</summary>
    public Pipeline Pipeline { get; }

    /// <summary>Each command's result, left to right.</summary>
    public IReadOnlyList<CommandResult> Members { get; }

    /// <summary>The member whose status is the pipeline's (pipefail: the rightmost failure, else the last).</summary>
    public CommandResult Deciding { get; }

    /// <summary>"exit status 1 (true: exit status 0 | false: exit status 1 | true: exit status 0)".</summary>
    public override string ToString() =>
        $"{State} ({string.Join(" | ", Members.Select(m => $"{m.Command.Program}: {m.State}"))}){(TimedOut ? " (timed out)" : Canceled ? " (canceled)" : "")}";

    internal override string Describe() => Pipeline.ToString();

    // pipefail: the rightmost member that did not succeed decides; all succeeded, the last one.
    private static CommandResult Decide(IReadOnlyList<CommandResult> members) => members.LastOrDefault(m => !m.Success) ?? members[^1];
}

/// <summary>A pipeline's result with its last command's stdout and stderr captured as text.</summary>
public sealed class BufferedPipelineResult : PipelineResult
{
    internal BufferedPipelineResult(PipelineResult result, string standardOutput, string standardError)
        : base(result)
    {
        StandardOutput = standardOutput;
        StandardError = standardError;
    }

    /// <summary>What the last command wrote to stdout (with an omission marker in the middle if over the capture limit).</summary>
    public string StandardOutput { get; }

    /// <summary>What the last command wrote to stderr (with an omission marker in the middle if over the capture limit).</summary>
    public string StandardError { get; }

    /// <summary>Deconstructs into the result and the two texts: <c>var (result, stdout, stderr) = await pipeline.OutputAsync();</c>.</summary>
    public void Deconstruct(out PipelineResult result, out string standardOutput, out string standardError)
    {
        result = this;
        standardOutput = StandardOutput;
        standardError = StandardError;
    }
}

/// <summary>A pipeline's result with its last command's stdout and stderr captured as bytes.</summary>
public sealed class BinaryPipelineResult : PipelineResult
{
    internal BinaryPipelineResult(PipelineResult result, byte[] standardOutput, byte[] standardError)
        : base(result)
    {
        StandardOutput = standardOutput;
        StandardError = standardError;
    }

    /// <summary>The bytes the last command wrote to stdout (head and tail with a marker between, if over the capture limit).</summary>
    public byte[] StandardOutput { get; }

    /// <summary>The bytes the last command wrote to stderr (head and tail with a marker between, if over the capture limit).</summary>
    public byte[] StandardError { get; }
}
