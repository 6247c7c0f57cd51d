using System.Text;

namespace Spawn;

// Running to completion. Every async method has a blocking twin that runs on the calling thread
// (ChildProcess.Wait's driver), never blocking a pool thread on async work; both throw, or not,
// as the command says (ThrowsOnFailure, ValidatesExitCode), and return the same result types.
public sealed partial class Command
{
    /// <summary>
    /// Starts the command. <paramref name="cancellationToken"/> (and <see cref="Timeout"/>) end the
    /// process and what it started: <see cref="CancelSignal"/> to the child (to its group when it
    /// has one) and to every descendant found while each is stopped, SIGKILL to all of them after
    /// <see cref="GracePeriod"/> or once the child has exited; then the caller's pipes are waited
    /// for <see cref="WaitDelay"/> (1 s by default) at most. A process whose parent exited before
    /// that (a double-forked daemon) is out of reach; <see cref="WithProcessTree"/> holds even that.
    /// </summary>
    /// <exception cref="ProcessStartException">The program was not found, is not executable, or could not be started.</exception>
    public ChildProcess Start(CancellationToken cancellationToken = default) => ChildProcess.Start(this, cancellationToken);

    /// <summary>Runs the command to completion and returns its exit state, outcome and run time.</summary>
    /// <exception cref="CommandFailedException">Non-zero exit or a signal, while exit codes are validated (the default) and <see cref="ThrowsOnFailure"/>.</exception>
    /// <exception cref="CommandTimeoutException">The command ran past <see cref="Timeout"/> (unless not <see cref="ThrowsOnFailure"/>).</exception>
    /// <exception cref="CommandCanceledException">The token was cancelled (unless not <see cref="ThrowsOnFailure"/>).</exception>
    public async Task<CommandResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await using ChildProcess child = Start(cancellationToken);
        // WaitAsync's own steps, without its state machine: this one is enough.
        CommandResult result = await child.WaitForCompletionAsync().ConfigureAwait(false);
        child.Validate(result);
        return result;
    }

    /// <summary>The blocking form of <see cref="RunAsync"/>: it waits on the calling thread, timeout and cancellation included, and needs no thread-pool thread.</summary>
    /// <inheritdoc cref="RunAsync" path="/exception"/>
    public CommandResult Run(CancellationToken cancellationToken = default)
    {
        using ChildProcess child = Start(cancellationToken);
        return child.Wait();
    }

    /// <summary>Runs the command and captures stdout and stderr as text (UTF-8 by default), reading both at once.</summary>
    /// <inheritdoc cref="RunAsync" path="/exception"/>
    /// <exception cref="OutputTooLargeException">A stream passed <see cref="OutputTooLargeException.MaxCaptureBytes"/> without a <see cref="CaptureLimit"/>.</exception>
    public async Task<BufferedCommandResult> OutputAsync(Encoding? encoding = null, CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(this, CaptureLimit);
        CommandResult result = await RunCapturedAsync(capture, cancellationToken).ConfigureAwait(false);
        return capture.ToText(result, encoding);
    }

    /// <summary>Runs the command and captures stdout and stderr as text (UTF-8).</summary>
    public Task<BufferedCommandResult> OutputAsync(CancellationToken cancellationToken) => OutputAsync(null, cancellationToken);

    /// <summary>The blocking form of <see cref="OutputAsync(Encoding?, CancellationToken)"/>.</summary>
    public BufferedCommandResult Output(Encoding? encoding = null, CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(this, CaptureLimit);
        return capture.ToText(RunCaptured(capture, cancellationToken), encoding);
    }

    /// <summary>The blocking form of <see cref="OutputAsync(CancellationToken)"/>.</summary>
    public BufferedCommandResult Output(CancellationToken cancellationToken) => Output(null, cancellationToken);

    /// <summary>Runs the command and captures stdout and stderr as bytes, reading both at once.</summary>
    /// <exception cref="OutputTooLargeException">A stream passed <see cref="OutputTooLargeException.MaxCaptureBytes"/> without a <see cref="CaptureLimit"/>.</exception>
    public async Task<BinaryCommandResult> OutputBytesAsync(CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(this, CaptureLimit);
        CommandResult result = await RunCapturedAsync(capture, cancellationToken).ConfigureAwait(false);
        return capture.ToBytes(result);
    }

    /// <summary>The blocking form of <see cref="OutputBytesAsync"/>.</summary>
    public BinaryCommandResult OutputBytes(CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(this, CaptureLimit);
        return capture.ToBytes(RunCaptured(capture, cancellationToken));
    }

    /// <summary>
    /// Runs the command and captures stdout and stderr as bytes, reading both at once, and hands them
    /// out in the pooled buffers they were read into, without copying them into one array. Dispose
    /// the result to give the buffers back. Without a <see cref="CaptureLimit"/> there is no bound on
    /// the size (the result is not one array).
    /// </summary>
    /// <inheritdoc cref="RunAsync" path="/exception"/>
    public async Task<PooledCommandResult> OutputPooledAsync(CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(this, CaptureLimit, singleArray: false);
        CommandResult result = await RunCapturedAsync(capture, cancellationToken).ConfigureAwait(false);
        return capture.ToPooled(result);
    }

    /// <summary>The blocking form of <see cref="OutputPooledAsync"/>.</summary>
    /// <inheritdoc cref="RunAsync" path="/exception"/>
    public PooledCommandResult OutputPooled(CancellationToken cancellationToken = default)
    {
        var capture = new OutputCapture(this, CaptureLimit, singleArray: false);
        return capture.ToPooled(RunCaptured(capture, cancellationToken));
    }

    private static async Task<CommandResult> RunCapturedAsync(OutputCapture capture, CancellationToken cancellationToken)
    {
        await using ChildProcess child = capture.Command.Start(cancellationToken);
        CommandResult result = await child.WaitForCompletionAsync().ConfigureAwait(false);
        child.Validate(result);
        return result;
    }

    private static CommandResult RunCaptured(OutputCapture capture, CancellationToken cancellationToken)
    {
        using ChildProcess child = capture.Command.Start(cancellationToken);
        CommandResult result = child.WaitForCompletion();
        child.Validate(result);
        return result;
    }
}
