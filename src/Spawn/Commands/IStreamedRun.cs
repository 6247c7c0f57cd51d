namespace Spawn;

/// <summary>What <see cref="OutputLines{TResult}"/> needs of a started run (a command or a pipeline): its end, its verdict, and its disposal.</summary>
internal interface IStreamedRun<TResult> : IAsyncDisposable
    where TResult : CommandResult
{
    /// <summary>The exit plus every copy, without validation; never throws for the process's own behaviour.</summary>
    Task<TResult> WaitForCompletionAsync();

    /// <summary>Throws as the run methods do when the result is a failure and the run throws on failure.</summary>
    void Validate(TResult result);

    /// <summary>
    /// Sends SIGKILL to the started processes, before the stream closes their pipes: a consumer that
    /// stops early then always sees a death by SIGKILL, never a SIGPIPE that won the race.
    /// </summary>
    void KillForEarlyStop();
}
