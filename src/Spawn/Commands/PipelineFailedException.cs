namespace Spawn;

/// <summary>A member of a pipeline did not succeed (pipefail); <see cref="Result"/> has every member's state.</summary>
public sealed class PipelineFailedException : SpawnException
{
    internal PipelineFailedException(PipelineResult result)
        : base($"Pipeline failed with {result}: {result.Pipeline}", null)
    {
        Result = result;
    }

    /// <summary>Every member's result and the pipefail verdict.</summary>
    public PipelineResult Result { get; }
}
