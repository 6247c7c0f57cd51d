namespace Spawn;

/// <summary>A running <see cref="Pipeline"/>: one <see cref="ChildProcess"/> per command.</summary>
public sealed class PipelineProcess : IAsyncDisposable, IDisposable, IStreamedRun<PipelineResult>
{
    private readonly CancellationToken _cancellationToken;
    private readonly ChildProcess[] _members;
    private Task<PipelineResult>? _completion;

    internal PipelineProcess(Pipeline pipeline, ChildProcess[] members, CancellationToken cancellationToken)
    {
        Pipeline = pipeline;
        _members = members;
        Members = members;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The pipeline that was started.</summary>
    public Pipeline Pipeline { get; }

    /// <summary>The running commands, left to right.</summary>
    public IReadOnlyList<ChildProcess> Members { get; }

    void IStreamedRun<PipelineResult>.KillForEarlyStop()
    {
        foreach (ChildProcess member in Members) member.Kill();
    }

    /// <summary>
    /// Waits for every member, and reports each one's state and the pipefail status. Unless the
    /// pipeline does not throw on failure (<see cref="Pipeline.ThrowsOnFailure"/>), throws
    /// <see cref="CommandTimeoutException"/> or <see cref="CommandCanceledException"/> (whose
    /// <see cref="CommandCanceledException.Result"/> is the <see cref="PipelineResult"/>, with every
    /// member's result) when the pipeline was ended for that reason, and
    /// <see cref="PipelineFailedException"/> when the last command validates exit codes and a member failed.
    /// </summary>
    /// <param name="cancellationToken">Cancels this wait only (the token given at start cancels the pipeline).</param>
    public async Task<PipelineResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        PipelineResult result = await WaitForCompletionAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        Validate(result);
        return result;
    }

    /// <summary>The blocking form of <see cref="WaitAsync"/>: each member is waited for on the calling thread (see <see cref="ChildProcess.Wait"/>).</summary>
    public PipelineResult Wait()
    {
        PipelineResult result = WaitForCompletion();
        Validate(result);
        return result;
    }

    /// <summary>Every member's end, without validation; started once.</summary>
    internal Task<PipelineResult> WaitForCompletionAsync() =>
        LazyInitializer.EnsureInitialized(ref _completion, () => CompleteAsync());

    private async Task<PipelineResult> CompleteAsync()
    {
        CommandResult[] results = await Task.WhenAll(_members.Select(m => m.WaitForCompletionAsync())).ConfigureAwait(false);
        return new PipelineResult(Pipeline, results);
    }

    internal PipelineResult WaitForCompletion()
    {
        if (_completion is { IsCompletedSuccessfully: true } done) return done.Result;
        var results = new CommandResult[_members.Length];
        for (int i = 0; i < _members.Length; i++) results[i] = _members[i].WaitForCompletion();
        return new PipelineResult(Pipeline, results);
    }

    internal void Validate(PipelineResult result)
    {
        if (!Pipeline.ThrowsOnFailure) return;
        switch (result.Outcome)
        {
            case CommandOutcome.TimedOut:
                TimeSpan timeout = Pipeline.Timeout ?? result.Members.First(m => m.TimedOut).Command.Timeout ?? TimeSpan.Zero;
                throw new CommandTimeoutException(result, timeout);
            case CommandOutcome.Canceled:
                throw new CommandCanceledException($"Pipeline was cancelled and ended with {result}: {Pipeline}", result, _cancellationToken);
        }
        if (Pipeline.Commands[^1].ValidatesExitCode && !result.Success) throw new PipelineFailedException(result);
    }

    Task<PipelineResult> IStreamedRun<PipelineResult>.WaitForCompletionAsync() => WaitForCompletionAsync();

    void IStreamedRun<PipelineResult>.Validate(PipelineResult result) => Validate(result);

    /// <summary>Kills the members still running (and what they started), waits for all of them and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ChildProcess member in _members) await member.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The blocking form of <see cref="DisposeAsync"/>; like <see cref="ChildProcess.Dispose"/>, it needs no thread-pool thread.</summary>
    public void Dispose()
    {
        foreach (ChildProcess member in _members) member.Dispose();
    }
}
