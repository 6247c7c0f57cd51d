using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;

namespace Spawn;

public sealed partial class Command
{
    /// <summary>Bytes read at a time while streaming lines: a full default pipe, below the large-object threshold.</summary>
    private const int StreamReadSize = 64 * 1024;

    /// <summary>
    /// Reads of one pipe per turn at most: enough for all a full pipe (1 MiB) held when the turn
    /// began, which arrived before anything the other stream has now, yet a child that never
    /// pauses on one stream cannot keep the other waiting.
    /// </summary>
    private const int StreamReadsPerTurn = 16;

    /// <summary>
    /// Runs the command and yields its stdout and stderr lines, tagged, in the order they arrived.
    /// Stopping the enumeration early kills the process. A slow consumer slows the child down
    /// (back-pressure through the pipe) rather than filling memory.
    /// </summary>
    public async IAsyncEnumerable<OutputLine> StreamLinesAsync(Encoding? encoding = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        encoding ??= Encoding.UTF8;
        // The channel carries pipes that have data, each at most once at a time (a pump waits for
        // its turn to end), not lines: this loop reads each pipe itself and makes a line's string as
        // it yields it. A hand-off per line made the channel's lock and thread-pool wake-ups the cost
        // of streaming; read-ahead into our own buffers made garbage that outlived collections.
        // Synchronous continuations: a pump handing over its pipe runs this loop on its own thread
        // (a thread-pool thread, as the reactor completes its waits asynchronously) instead of
        // queueing it: one thread-pool item per turn, not two.
        var readable = Channel.CreateUnbounded<LineStreamPipe>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        OutputTarget Tagged(OutputKind stream) => OutputTarget.ToPump(() => new LineStreamPipe(stream, readable.Writer).PumpAsync);
        bool merged = ReferenceEquals(Stderr, OutputTarget.Stdout);
        Command streaming = WithStdout(Tagged(OutputKind.Stdout)).WithStderr(merged ? OutputTarget.Stdout : Tagged(OutputKind.Stderr));

        var stdout = new LineSplitter(encoding);
        var stderr = new LineSplitter(encoding);
        LineStreamPipe? reading = null;
        ChildProcess child = streaming.Start(cancellationToken);
        try
        {
            Task<CommandResult> completion = child.WaitForCompletionAsync();
            // Completing the channel resumes this loop synchronously: on a thread-pool thread, never
            // on whatever thread completed the process's wait.
            _ = completion.ContinueWith(static (task, writer) => ((ChannelWriter<LineStreamPipe>)writer!).TryComplete(task.Exception?.InnerException),
                readable.Writer, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

            await foreach (LineStreamPipe pipe in readable.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
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
            child.Validate(await completion.ConfigureAwait(false));
        }
        finally
        {
            // Stopped early: no more turns; pumps waiting for theirs end (closing their pipes), then
            // the child is killed and reaped.
            readable.Writer.TryComplete();
            reading?.EndTurn(ended: true);
            while (readable.Reader.TryRead(out LineStreamPipe? waiting)) waiting.EndTurn(ended: true);
            stdout.Release();
            stderr.Release();
            await child.DisposeAsync().ConfigureAwait(false);
        }
    }
}
