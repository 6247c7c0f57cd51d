namespace Spawn;

/// <summary>A command was cancelled through its token; the process was ended and reaped, and <see cref="Result"/> says how it ended.</summary>
public class CommandCanceledException : OperationCanceledException, ISpawnException
{
    internal CommandCanceledException(string message, CommandResult result, CancellationToken token)
        : base(message, null, token)
    {
        Result = result;
    }

    /// <summary>The run's result: the process's exit state after the cancel signal (or SIGKILL).</summary>
    public CommandResult Result { get; }
}
