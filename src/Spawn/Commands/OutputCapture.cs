using System.Text;

namespace Spawn;

/// <summary>
/// Stdout and stderr of one command kept in memory (head and tail within a capture limit), for the
/// capturing run methods of <see cref="Command"/> and of <see cref="Pipeline"/> (its last command).
/// A stderr merged into stdout (2&gt;&amp;1) stays merged: stderr is then empty.
/// </summary>
internal sealed class OutputCapture
{
    private readonly CaptureBuffer _stdout;
    private readonly CaptureBuffer? _stderr;

    /// <param name="command">The command whose stdout and stderr to capture.</param>
    /// <param name="limit">The capture limit, or null to keep everything.</param>
    /// <param name="singleArray">False when the result hands out the buffers themselves (<see cref="ToPooled"/>).</param>
    internal OutputCapture(Command command, int? limit, bool singleArray = true)
    {
        _stdout = new CaptureBuffer(limit, singleArray);
        _stderr = ReferenceEquals(command.Stderr, OutputTarget.Stdout) ? null : new CaptureBuffer(limit, singleArray);
        Command = command.WithStdout(OutputTarget.ToSink(() => _stdout))
            .WithStderr(_stderr is null ? OutputTarget.Stdout : OutputTarget.ToSink(() => _stderr));
    }

    /// <summary>The command with its stdout and stderr going into this capture.</summary>
    internal Command Command { get; }

    internal BufferedCommandResult ToText(CommandResult result, Encoding? encoding)
    {
        encoding ??= Encoding.UTF8;
        return new BufferedCommandResult(result, _stdout.ToText(encoding), _stderr?.ToText(encoding) ?? "");
    }

    internal BinaryCommandResult ToBytes(CommandResult result) => new(result, _stdout.ToArray(), _stderr?.ToArray() ?? []);

    internal PooledCommandResult ToPooled(CommandResult result)
    {
        PooledBytes stdout = _stdout.TakePooled();
        PooledBytes stderr;
        try
        {
            stderr = _stderr?.TakePooled() ?? new PooledBytes(0);
        }
        catch
        {
            stdout.Release();
            throw;
        }
        return new PooledCommandResult(result, stdout, stderr);
    }

    internal BufferedPipelineResult ToText(PipelineResult result, Encoding? encoding)
    {
        encoding ??= Encoding.UTF8;
        return new BufferedPipelineResult(result, _stdout.ToText(encoding), _stderr?.ToText(encoding) ?? "");
    }

    internal BinaryPipelineResult ToBytes(PipelineResult result) => new(result, _stdout.ToArray(), _stderr?.ToArray() ?? []);
}
