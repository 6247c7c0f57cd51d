namespace Spawn;

/// <summary>A command ran past its <see cref="Command.Timeout"/>; the process was ended and reaped.</summary>
public sealed class CommandTimeoutException : CommandCanceledException
{
    internal CommandTimeoutException(CommandResult result, TimeSpan timeout)
        : base($"Command timed out after {timeout.TotalSeconds:0.###} s and ended with {result.State}: {result.Describe()}", result, CancellationToken.None)
    {
        Timeout = timeout;
    }

    /// <summary>The time limit that was exceeded.</summary>
    public TimeSpan Timeout { get; }
}
