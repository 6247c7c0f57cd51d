namespace Spawn;

/// <summary>A run's result with its stdout and stderr captured as bytes.</summary>
public sealed class BinaryCommandResult : CommandResult
{
    internal BinaryCommandResult(CommandResult result, byte[] standardOutput, byte[] standardError)
        : base(result)
    {
        StandardOutput = standardOutput;
        StandardError = standardError;
    }

    /// <summary>The bytes written to stdout (head and tail with a marker between, if over the capture limit).</summary>
    public byte[] StandardOutput { get; }

    /// <summary>The bytes written to stderr (head and tail with a marker between, if over the capture limit).</summary>
    public byte[] StandardError { get; }
}
