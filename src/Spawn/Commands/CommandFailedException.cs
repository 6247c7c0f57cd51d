namespace Spawn;

/// <summary>A command exited with a non-zero status (or was killed by a signal) while exit codes were validated.</summary>
public sealed class CommandFailedException : SpawnException
{
    internal CommandFailedException(CommandResult result, string? stderrTail)
        : base(BuildMessage(result, stderrTail), null)
    {
        Result = result;
        StderrTail = stderrTail ?? "";
    }

    /// <summary>The run's result, including the exit state.</summary>
    public CommandResult Result { get; }

    /// <summary>The command that failed.</summary>
    public Command Command => Result.Command;

    /// <summary>The last lines the command wrote to stderr (empty when stderr was not seen by Spawn, e.g. inherited).</summary>
    public string StderrTail { get; }

    private static string BuildMessage(CommandResult result, string? tail) =>
        $"Command failed with {result.State}{(result.DescribeLimitsReached() is { } limits ? $" ({limits})" : "")}: {result.Command}" + (string.IsNullOrWhiteSpace(tail) ? "" : $"{Environment.NewLine}stderr:{Environment.NewLine}{tail}");
}
