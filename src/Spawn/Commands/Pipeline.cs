using System.Collections.Immutable;
using System.Text;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// Commands connected stdout-to-stdin by OS pipes that Spawn creates (<c>a | b | c</c>): the data
/// flows from child to child through the kernel; no byte passes through this process. The first
/// command's stdin and the last one's stdout take every option a single command takes; each
/// command's stderr is its own. Failure follows <c>pipefail</c>: the rightmost non-zero status.
/// A pipeline runs as a command does (run, capture as text or bytes, stream lines, blocking or
/// async, time limit, capture limit) and returns results of the same family: a
/// <see cref="PipelineResult"/> is a <see cref="CommandResult"/> with every member's result.
/// </summary>
/// <example>
/// <code>
/// var result = await (new Command("cat", "access.log") | new Command("grep", "404") | new Command("wc", "-l")).OutputAsync();
/// </code>
/// </example>
public sealed class Pipeline
{
    internal Pipeline(ImmutableArray<Command> commands) => Commands = commands;

    private Pipeline(Pipeline other, ImmutableArray<Command> commands)
    {
        Commands = commands;
        Timeout = other.Timeout;
        CaptureLimit = other.CaptureLimit;
    }

    /// <summary>The commands, left to right.</summary>
    public ImmutableArray<Command> Commands { get; }

    /// <summary>A time limit for the whole pipeline, after which every member still running is ended as by a cancellation; null for none (members keep their own).</summary>
    public TimeSpan? Timeout { get; private init; }

    /// <summary>The most bytes of each of the last command's output streams the capturing methods keep (head and tail); null for no limit.</summary>
    public int? CaptureLimit { get; private init; }

    /// <summary>Whether running throws when the pipeline does not succeed: the last command's <see cref="Command.ThrowsOnFailure"/>.</summary>
    public bool ThrowsOnFailure => Commands[^1].ThrowsOnFailure;

    /// <summary>This pipeline with <paramref name="next"/> appended.</summary>
    public Pipeline Pipe(Command next) => new(this, Commands.Add(next ?? throw new ArgumentNullException(nameof(next))));

    /// <summary>Appends a command: <c>a | b | c</c>.</summary>
    public static Pipeline operator |(Pipeline left, Command right) => (left ?? throw new ArgumentNullException(nameof(left))).Pipe(right);

    /// <summary>With a time limit for the whole pipeline (see <see cref="Timeout"/>); null for none.</summary>
    public Pipeline WithTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t) ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
        return new(this, Commands) { Timeout = timeout };
    }

    /// <summary>Keeps at most <paramref name="bytes"/> of each captured stream (head and tail); null for no limit.</summary>
    public Pipeline WithCaptureLimit(int? bytes)
    {
        if (bytes is { } b) ArgumentOutOfRangeException.ThrowIfLessThan(b, 64);
        return new(this, Commands) { CaptureLimit = bytes };
    }

    /// <summary>False: running never throws for what the members did; the result's <see cref="CommandResult.Outcome"/> says what happened (see <see cref="Command.WithThrowOnFailure"/>).</summary>
    public Pipeline WithThrowOnFailure(bool enabled) => WithLast(Commands[^1].WithThrowOnFailure(enabled));

    /// <summary>Whether a member's non-zero exit (pipefail) throws <see cref="PipelineFailedException"/>: set on the last command.</summary>
    public Pipeline WithExitCodeValidation(bool enabled) => WithLast(Commands[^1].WithExitCodeValidation(enabled));

    /// <summary>"a -x | b | c" as a shell user would type it.</summary>
    public override string ToString() => string.Join(" | ", Commands.Select(c => c.ToString()));

    private Pipeline WithLast(Command last) => new(this, Commands.SetItem(Commands.Length - 1, last));

    /// <summary>
    /// Starts every command, connected. The token (and <see cref="Timeout"/>) end every member (each
    /// gets its command's cancel signal, then SIGKILL after its grace period).
    /// </summary>
    /// <exception cref="ProcessStartException">A member could not be started; the members already started were killed and reaped.</exception>
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
                // The pipeline's limit as each member's own: a member ends it on its own thread
                // when waited for synchronously, so a blocking wait needs no timer.
                if (Timeout is { } limit && (command.Timeout is not { } own || own > limit)) command = command.WithTimeout(limit);
                if (i > 0) command = command.WithStdin(InputSource.FromHandle(upstream!));
                Microsoft.Win32.SafeHandles.SafeFileHandle? downstreamWrite = null, downstreamRead = null;
                if (i < Commands.Length - 1)
                {
                    (downstreamRead, downstreamWrite) = ChildPipes.CreateBetweenChildren();
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
    /// <exception cref="CommandTimeoutException">The pipeline ran past its <see cref="Timeout"/> (or a member past its own); <see cref="CommandCanceledException.Result"/> is the <see cref="PipelineResult"/>.</exception>
    /// <exception cref="CommandCanceledException">The token was cancelled; every member was ended, and <see cref="CommandCanceledException.Result"/> is the <see cref="PipelineResult"/>.</exception>
    public async Task<PipelineResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await using PipelineProcess process = Start(cancellationToken);
        return await process.WaitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The blocking form of <see cref="RunAsync"/>, needing no thread-pool thread.</summary>
    /// <inheritdoc cref="RunAsync" path="/exception"/>
    public PipelineResult Run(CancellationToken cancellationToken = default)
    {
        using PipelineProcess process = Start(cancellationToken);
        return process.Wait();
    }

    /// <summary>Runs the pipeline and captures the last command's stdout and stderr as text (UTF-8 by default).</summary>
    /// <inheritdoc cref="RunAsync" path="/exception"/>
    /// <exception cref="OutputTooLargeException">A stream passed <see cref="OutputTooLargeException.MaxCaptureBytes"/> without a <see cref="CaptureLimit"/>.</exception>
    public async Task<BufferedPipelineResult> OutputAsync(Encoding? encoding = null, CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(Commands[^1], CaptureLimit);
        PipelineResult result = await WithLast(capture.Command).RunAsync(cancellationToken).ConfigureAwait(false);
        return capture.ToText(result, encoding);
    }

    /// <summary>Runs the pipeline and captures the last command's stdout and stderr as text (UTF-8).</summary>
    public Task<BufferedPipelineResult> OutputAsync(CancellationToken cancellationToken) => OutputAsync(null, cancellationToken);

    /// <summary>The blocking form of <see cref="OutputAsync(Encoding?, CancellationToken)"/>.</summary>
    public BufferedPipelineResult Output(Encoding? encoding = null, CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(Commands[^1], CaptureLimit);
        return capture.ToText(WithLast(capture.Command).Run(cancellationToken), encoding);
    }

    /// <summary>The blocking form of <see cref="OutputAsync(CancellationToken)"/>.</summary>
    public BufferedPipelineResult Output(CancellationToken cancellationToken) => Output(null, cancellationToken);

    /// <summary>Runs the pipeline and captures the last command's stdout and stderr as bytes.</summary>
    public async Task<BinaryPipelineResult> OutputBytesAsync(CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(Commands[^1], CaptureLimit);
        PipelineResult result = await WithLast(capture.Command).RunAsync(cancellationToken).ConfigureAwait(false);
        return capture.ToBytes(result);
    }

    /// <summary>The blocking form of <see cref="OutputBytesAsync"/>.</summary>
    public BinaryPipelineResult OutputBytes(CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(Commands[^1], CaptureLimit);
        return capture.ToBytes(WithLast(capture.Command).Run(cancellationToken));
    }

    /// <summary>
    /// Runs the pipeline as the stream is enumerated and yields the last command's stdout and stderr
    /// lines; then <see cref="OutputLines{TResult}.Result"/> has the pipeline's result (see
    /// <see cref="Command.StreamLinesAsync(Encoding?, CancellationToken)"/>).
    /// </summary>
    public OutputLines<PipelineResult> StreamLinesAsync(Encoding? encoding = null, CancellationToken cancellationToken = default) =>
        new((stdout, stderr, token) => WithLast(Commands[^1].WithStdout(stdout).WithStderr(stderr)).Start(token),
            ReferenceEquals(Commands[^1].Stderr, OutputTarget.Stdout), encoding, cancellationToken);

    /// <summary>Runs the pipeline and yields the last command's lines as UTF-8 text.</summary>
    public OutputLines<PipelineResult> StreamLinesAsync(CancellationToken cancellationToken) => StreamLinesAsync(null, cancellationToken);
}
