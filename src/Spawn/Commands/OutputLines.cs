using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;

namespace Spawn;

/// <summary>
/// The lines of a running command (or of a pipeline's last command), tagged with their stream, in
/// the order they arrived, followed by the run's <see cref="Result"/>. Enumerating starts the run;
/// a stream is enumerated once. Stopping the enumeration early kills the process; a slow consumer
/// slows the child down (back-pressure through the pipe) rather than filling memory. With the
/// default <see cref="Command.ThrowsOnFailure"/> a failure is thrown after the last line; without
/// it the enumeration just ends and <see cref="Result"/> says how.
/// </summary>
/// <typeparam name="TResult"><see cref="CommandResult"/>, or <see cref="PipelineResult"/> for a pipeline.</typeparam>
/// <example>
/// <code>
/// var lines = new Command("make").WithThrowOnFailure(false).StreamLinesAsync(cancellationToken);
/// await foreach (OutputLine line in lines) Console.WriteLine(line.Text);
/// CommandResult result = await lines.Result; // the exit state, outcome and run time
/// </code>
/// </example>
public sealed class OutputLines<TResult> : IAsyncEnumerable<OutputLine>
    where TResult : CommandResult
{
    /// <summary>Bytes read at a time: a full default pipe, below the large-object threshold.</summary>
    private const int StreamReadSize = 64 * 1024;

    /// <summary>
    /// Reads of one pipe per turn at most: enough for all a full pipe (1 MiB) held when the turn
    /// began, which arrived before anything the other stream has now, yet a child that never
    /// pauses on one stream cannot keep the other waiting.
    /// </summary>
    private const int StreamReadsPerTurn = 16;

    private readonly Func<OutputTarget, OutputTarget, CancellationToken, IStreamedRun<TResult>> _start;
    private readonly bool _merged;
    private readonly Encoding _encoding;
    private readonly CancellationToken _cancellationToken;
    private readonly TaskCompletionSource<TResult> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _enumerated;

    internal OutputLines(Func<OutputTarget, OutputTarget, CancellationToken, IStreamedRun<TResult>> start, bool merged, Encoding? encoding, CancellationToken cancellationToken)
    {
        _start = start;
        _merged = merged;
        _encoding = encoding ?? Encoding.UTF8;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// The run's result, once the enumeration has ended: after the last line, after an early stop
    /// (the process was killed), and also when the enumeration threw for a failure (the exception
    /// carries the same result). Faults only when the run itself failed to start or to complete.
    /// Never completes for a stream that is not enumerated.
    /// </summary>
    public Task<TResult> Result => _result.Task;

    /// <summary>Starts the run and returns its lines. <paramref name="cancellationToken"/> cancels the run as the token given to <c>StreamLinesAsync</c> does.</summary>
    /// <exception cref="InvalidOperationException">The stream was enumerated before.</exception>
    public IAsyncEnumerator<OutputLine> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _enumerated, 1) != 0)
        {
            throw new InvalidOperationException("A line stream is enumerated once: it runs the command. Call StreamLinesAsync again to run it again.");
        }
        return EnumerateAsync(cancellationToken).GetAsyncEnumerator(CancellationToken.None);
    }

    private async IAsyncEnumerable<OutputLine> EnumerateAsync([EnumeratorCancellation] CancellationToken enumeratorToken)
    {
        using CancellationTokenSource? linked = enumeratorToken.CanBeCanceled && _cancellationToken.CanBeCanceled && enumeratorToken != _cancellationToken
            ? CancellationTokenSource.CreateLinkedTokenSource(_cancellationToken, enumeratorToken)
            : null;
        CancellationToken token = linked?.Token ?? (enumeratorToken.CanBeCanceled ? enumeratorToken : _cancellationToken);

        // The channel carries pipes that have data, each at most once at a time (a pump waits for
        // its turn to end), not lines: this loop reads each pipe itself and makes a line's string as
        // it yields it. A hand-off per line made the channel's lock and thread-pool wake-ups the cost
        // of streaming; read-ahead into our own buffers made garbage that outlived collections.
        // Synchronous continuations: a pump handing over its pipe runs this loop on its own thread
        // (a thread-pool thread, as the reactor completes its waits asynchronously) instead of
        // queueing it: one thread-pool item per turn, not two.
        var readable = Channel.CreateUnbounded<LineStreamPipe>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        OutputTarget Tagged(OutputKind stream) => OutputTarget.ToPump(() => new LineStreamPipe(stream, readable.Writer).PumpAsync);
        IStreamedRun<TResult> run = Start(Tagged(OutputKind.Stdout), _merged ? OutputTarget.Stdout : Tagged(OutputKind.Stderr), token);

        var stdout = new LineSplitter(_encoding);
        var stderr = new LineSplitter(_encoding);
        LineStreamPipe? reading = null;
        bool disposed = false;
        Task<TResult> completion = run.WaitForCompletionAsync();
        try
        {
            // Completing the channel resumes this loop synchronously: on a thread-pool thread, never
            // on whatever thread completed the process's wait.
            _ = completion.ContinueWith(static (task, writer) => ((ChannelWriter<LineStreamPipe>)writer!).TryComplete(task.Exception?.InnerException),
                readable.Writer, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

            while (await NextAsync(readable.Reader, token).ConfigureAwait(false) is { } pipe)
            {
                reading = pipe;
                LineSplitter lines = pipe.Source == OutputKind.Stdout ? stdout : stderr;
                bool ended = false;
                for (int reads = 0; reads < StreamReadsPerTurn && !ended; reads++)
                {
                    byte[] buffer = ArrayPool<byte>.Shared.Rent(StreamReadSize);
                    int read = pipe.Read(buffer);
                    if (read < 0)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        break; // empty for now
                    }
                    ended = read == 0;
                    lines.Feed(buffer.AsMemory(0, read), final: ended);
                    while (lines.TryReadLine(out string? text)) yield return new OutputLine(pipe.Source, text);
                    ArrayPool<byte>.Shared.Return(buffer); // decoded to the last byte
                }
                reading = null;
                pipe.EndTurn(ended);
            }
            if (!completion.IsCompleted && token.IsCancellationRequested)
            {
                // Cancelled: no more lines; the process is ended as by an early stop.
                run.KillForEarlyStop();
                EndTurns(readable, reading);
                disposed = true;
                await run.DisposeAsync().ConfigureAwait(false);
            }
            TResult result = await completion.ConfigureAwait(false);
            _result.TrySetResult(result);
            run.Validate(result);
        }
        finally
        {
            // Stopped early: the child is killed first (so it dies of SIGKILL, not of a closed pipe);
            // no more turns; pumps waiting for theirs end (closing their pipes); it is reaped.
            if (!completion.IsCompleted) run.KillForEarlyStop();
            EndTurns(readable, reading);
            stdout.Release();
            stderr.Release();
            if (!disposed) await run.DisposeAsync().ConfigureAwait(false);
            if (completion.IsCompletedSuccessfully) _result.TrySetResult(completion.Result);
            else if (completion.Exception is { } e) _result.TrySetException(e.InnerExceptions);
        }
    }

    private IStreamedRun<TResult> Start(OutputTarget stdout, OutputTarget stderr, CancellationToken token)
    {
        try
        {
            return _start(stdout, stderr, token);
        }
        catch (Exception e)
        {
            _result.TrySetException(e);
            throw;
        }
    }

    /// <summary>The next pipe with data; null once the run is over or the token is cancelled.</summary>
    private static async ValueTask<LineStreamPipe?> NextAsync(ChannelReader<LineStreamPipe> reader, CancellationToken token)
    {
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                if (reader.TryRead(out LineStreamPipe? pipe)) return pipe;
            }
            return null;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return null;
        }
    }

    private static void EndTurns(Channel<LineStreamPipe> readable, LineStreamPipe? reading)
    {
        readable.Writer.TryComplete();
        reading?.EndTurn(ended: true);
        while (readable.Reader.TryRead(out LineStreamPipe? waiting)) waiting.EndTurn(ended: true);
    }
}
