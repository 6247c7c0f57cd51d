namespace Spawn;

/// <summary>A running <see cref="Pipeline"/>: one <see cref="ChildProcess"/> per command.</summary>
public sealed class PipelineProcess : IAsyncDisposable, IDisposable
{
    private readonly CancellationToken _cancellationToken;

    internal PipelineProcess(Pipeline pipeline, ChildProcess[] members, CancellationToken cancellationToken)
    {
        Pipeline = pipeline;
        Members = members;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The pipeline that was started.</summary>
    public Pipeline Pipeline { get; }

    /// <summary>The running commands, left to right.</summary>
    public IReadOnlyList<ChildProcess> Members { get; }

    /// <summary>
    /// Waits for every member, and reports each one's state and the pipefail status. Throws
    /// <see cref="PipelineFailedException"/> when the last command validates exit codes and a member
    /// failed, and <see cref="OperationCanceledException"/> when the start token was cancelled.
    /// </summary>
    public async Task<PipelineResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        CommandResult[] results = await Task.WhenAll(Members.Select(m => m.WaitForCompletionAsync())).WaitAsync(cancellationToken).ConfigureAwait(false);
        var result = new PipelineResult(Pipeline, results);
        _cancellationToken.ThrowIfCancellationRequested();
        if (Pipeline.Commands[^1].ValidatesExitCode && !result.Success) throw new PipelineFailedException(result);
        return result;
    }

    /// <summary>Kills the members still running (and what they started), waits for all of them and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ChildProcess member in Members) await member.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The blocking form of <see cref="DisposeAsync"/>; like <see cref="ChildProcess.Dispose"/>, it needs no thread-pool thread.</summary>
    public void Dispose()
    {
        foreach (ChildProcess member in Members) member.Dispose();
    }
}
