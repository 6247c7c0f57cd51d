using System.Text;

namespace Spawn;

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

    /// <summary>Runs the command to completion and returns its exit state and run time.</summary>
    /// <exception cref="CommandFailedException">Non-zero exit while exit codes are validated (the default).</exception>
    /// <exception cref="CommandTimeoutException">The command ran past <see cref="Timeout"/>.</exception>
    /// <exception cref="CommandCanceledException">The token was cancelled.</exception>
    public async Task<CommandResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await using ChildProcess child = Start(cancellationToken);
        return await child.WaitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Runs the command and captures stdout and stderr as text (UTF-8 by default), reading both at once.</summary>
    /// <exception cref="OutputTooLargeException">A stream passed <see cref="OutputTooLargeException.MaxCaptureBytes"/> without a <see cref="CaptureLimit"/>.</exception>
    public async Task<BufferedCommandResult> OutputAsync(Encoding? encoding = null, CancellationToken cancellationToken = default)
    {
        encoding ??= Encoding.UTF8;
        var (result, stdout, stderr) = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        return new BufferedCommandResult(result, stdout.ToText(encoding), stderr?.ToText(encoding) ?? "");
    }

    /// <summary>Runs the command and captures stdout and stderr as text (UTF-8).</summary>
    public Task<BufferedCommandResult> OutputAsync(CancellationToken cancellationToken) => OutputAsync(null, cancellationToken);

    /// <summary>Runs the command and captures stdout and stderr as bytes, reading both at once.</summary>
    /// <exception cref="OutputTooLargeException">A stream passed <see cref="OutputTooLargeException.MaxCaptureBytes"/> without a <see cref="CaptureLimit"/>.</exception>
    public async Task<BinaryCommandResult> OutputBytesAsync(CancellationToken cancellationToken = default)
    {
        var (result, stdout, stderr) = await CaptureAsync(cancellationToken).ConfigureAwait(false);
        return new BinaryCommandResult(result, stdout.ToArray(), stderr?.ToArray() ?? []);
    }

    private async Task<(CommandResult Result, CaptureBuffer Stdout, CaptureBuffer? Stderr)> CaptureAsync(CancellationToken cancellationToken)
    {
        var stdout = new CaptureBuffer(CaptureLimit);
        bool merged = ReferenceEquals(Stderr, OutputTarget.Stdout);
        CaptureBuffer? stderr = merged ? null : new CaptureBuffer(CaptureLimit);
        Command capturing = WithStdout(OutputTarget.ToSink(() => stdout))
            .WithStderr(merged ? OutputTarget.Stdout : OutputTarget.ToSink(() => stderr!));
        await using ChildProcess child = capturing.Start(cancellationToken);
        CommandResult result = await child.WaitForCompletionAsync().ConfigureAwait(false);
        child.Validate(result);
        return (result, stdout, stderr);
    }
}
