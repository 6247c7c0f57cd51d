using System.Collections.Immutable;
using System.Text;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// Commands connected stdout-to-stdin by OS pipes that Spawn creates (<c>a | b | c</c>): the data
/// flows from child to child through the kernel; no byte passes through this process. The first
/// command's stdin and the last one's stdout take every option a single command takes; each
/// command's stderr is its own. Failure follows <c>pipefail</c>: the rightmost non-zero status.
/// </summary>
/// <example>
/// <code>
/// var result = await (new Command("cat", "access.log") | new Command("grep", "404") | new Command("wc", "-l")).OutputAsync();
/// </code>
/// </example>
public sealed class Pipeline
{
    internal Pipeline(ImmutableArray<Command> commands) => Commands = commands;

    /// <summary>The commands, left to right.</summary>
    public ImmutableArray<Command> Commands { get; }

    /// <summary>This pipeline with <paramref name="next"/> appended.</summary>
    public Pipeline Pipe(Command next) => new(Commands.Add(next ?? throw new ArgumentNullException(nameof(next))));

    /// <summary>Appends a command: <c>a | b | c</c>.</summary>
    public static Pipeline operator |(Pipeline left, Command right) => (left ?? throw new ArgumentNullException(nameof(left))).Pipe(right);

    /// <summary>"a -x | b | c" as a shell user would type it.</summary>
    public override string ToString() => string.Join(" | ", Commands.Select(c => c.ToString()));

    /// <summary>
    /// Starts every command, connected. The token ends every member (each gets its command's
    /// cancel signal, then SIGKILL after its grace period).
    /// </summary>
    public PipelineProcess Start(CancellationToken cancellationToken = default)
    {
        PlatformGuard.ThrowIfUnsupported();
        cancellationToken.ThrowIfCancellationRequested();
        var started = new List<ChildProcess>(Commands.Length);
        Microsoft.Win32.SafeHandles.SafeFileHandle? upstream = null;
        try
        {
            for (int i = 0; i < Commands.Length; i++)
            {
                Command command = Commands[i];
                if (i > 0) command = command.WithStdin(InputSource.FromHandle(upstream!));
                Microsoft.Win32.SafeHandles.SafeFileHandle? downstreamWrite = null, downstreamRead = null;
                if (i < Commands.Length - 1)
                {
                    (downstreamRead, downstreamWrite) = PipePair.CreateBetweenChildren();
                    command = command.WithStdout(OutputTarget.ToHandle(downstreamWrite));
                }
                try
                {
                    started.Add(command.Start(cancellationToken));
                }
                catch
                {
                    downstreamRead?.Dispose();
                    throw;
                }
                finally
                {
                    // The children hold their ends now; ours must go so end-of-file can travel.
                    upstream?.Dispose();
                    upstream = null;
                    downstreamWrite?.Dispose();
                }
                upstream = downstreamRead;
            }
            return new PipelineProcess(this, [.. started], cancellationToken);
        }
        catch
        {
            upstream?.Dispose();
            foreach (ChildProcess child in started) child.Dispose(); // kills and reaps
            throw;
        }
    }

    /// <summary>Runs the pipeline to completion.</summary>
    /// <exception cref="PipelineFailedException">A member exited non-zero (pipefail) while the last command validates exit codes.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; every member was ended.</exception>
    public async Task<PipelineResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await using PipelineProcess process = Start(cancellationToken);
        return await process.WaitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Runs the pipeline and captures the last command's stdout and stderr as text.</summary>
    public async Task<(PipelineResult Result, string StandardOutput, string StandardError)> OutputAsync(CancellationToken cancellationToken = default)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        Command last = Commands[^1].WithStdout(OutputTarget.ToStringBuilder(stdout)).WithStderr(OutputTarget.ToStringBuilder(stderr));
        PipelineResult result = await new Pipeline(Commands.SetItem(Commands.Length - 1, last)).RunAsync(cancellationToken).ConfigureAwait(false);
        return (result, stdout.ToString(), stderr.ToString());
    }
}
