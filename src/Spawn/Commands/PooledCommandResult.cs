using System.Buffers;

namespace Spawn;

/// <summary>
/// A run's result with its stdout and stderr captured as bytes that stay in the pooled buffers they
/// were read into: no copy into one array. Dispose it to give the buffers back to
/// <see cref="ArrayPool{T}.Shared"/>; a result never disposed costs only garbage.
/// </summary>
/// <remarks>
/// A <see cref="ReadOnlySequence{T}"/> taken from this result reads buffers that go back to the
/// pool at <see cref="Dispose"/>: use it (or copy what you keep) before disposing. After
/// <see cref="Dispose"/> the properties throw <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class PooledCommandResult : CommandResult, IDisposable
{
    private readonly PooledBytes _standardOutput;
    private readonly PooledBytes _standardError;

    internal PooledCommandResult(CommandResult result, PooledBytes standardOutput, PooledBytes standardError)
        : base(result)
    {
        _standardOutput = standardOutput;
        _standardError = standardError;
    }

    /// <summary>The bytes written to stdout (head and tail with a marker between, if over the capture limit).</summary>
    /// <exception cref="ObjectDisposedException">The result was disposed.</exception>
    public ReadOnlySequence<byte> StandardOutput => Read(_standardOutput);

    /// <summary>The bytes written to stderr (head and tail with a marker between, if over the capture limit); empty when stderr was merged into stdout.</summary>
    /// <exception cref="ObjectDisposedException">The result was disposed.</exception>
    public ReadOnlySequence<byte> StandardError => Read(_standardError);

    /// <summary>Gives the buffers back to the pool. Sequences taken before must not be read after it.</summary>
    public void Dispose()
    {
        _standardOutput.Release();
        _standardError.Release();
    }

    private ReadOnlySequence<byte> Read(PooledBytes bytes)
    {
        ObjectDisposedException.ThrowIf(bytes.Released, this);
        return bytes.Sequence;
    }
}
