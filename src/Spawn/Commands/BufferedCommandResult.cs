namespace Spawn;

/// <summary>A run's result with its stdout and stderr captured as text.</summary>
public sealed class BufferedCommandResult : CommandResult
{
    internal BufferedCommandResult(CommandResult result, string standardOutput, string standardError)
        : base(result)
    {
        StandardOutput = standardOutput;
        StandardError = standardError;
    }

    /// <summary>What the child wrote to stdout (with an omission marker in the middle if over the capture limit).</summary>
    public string StandardOutput { get; }

    /// <summary>What the child wrote to stderr (with an omission marker in the middle if over the capture limit).</summary>
    public string StandardError { get; }
}
