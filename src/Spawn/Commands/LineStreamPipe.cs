using System.Threading.Channels;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// One output pipe of <see cref="Command.StreamLinesAsync(System.Text.Encoding?, CancellationToken)"/>. Its pump reads nothing: it waits until
/// the pipe is readable and hands the pipe to the consumer, which reads and splits it itself and
/// then hands it back. So output waits in the pipe (kernel memory) until the consumer wants it, not
/// in buffers or strings of ours: with hundreds of streams and a consumer that lags, read-ahead
/// per stream lived long enough to reach the oldest generation and bring on full collections. A
/// child that writes faster than its consumer takes lines fills its pipe and waits.
/// </summary>
internal sealed class LineStreamPipe(OutputKind source, ChannelWriter<LineStreamPipe> readable)
{
    private ChildPipeStream? _pipe;
    private StderrTail? _tail;
    private TaskCompletionSource<bool>? _turn;

    internal OutputKind Source => source;

    /// <summary>
    /// The pipe's copy, which the child process waits for as for any other: until end-of-file, waits
    /// for data, hands the pipe over through <paramref name="pipe"/>'s channel and waits for it back.
    /// </summary>
    internal async Task PumpAsync(ChildPipeStream pipe, StderrTail? tail)
    {
        _pipe = pipe;
        _tail = tail;
        try
        {
            while (true)
            {
                try
                {
                    await pipe.WaitReadableAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    break; // closed by the wait delay
                }
                // Continuations run synchronously: the consumer ending its turn resumes this loop on
                // its own thread, where it only arms the next wait (no thread-pool hop per turn).
                var turn = new TaskCompletionSource<bool>();
                Volatile.Write(ref _turn, turn);
                // The channel is unbounded: a write fails only once the consumer has stopped.
                if (!readable.TryWrite(this)) break;
                if (await turn.Task.ConfigureAwait(false)) break;
            }
        }
        finally
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// For the consumer, during its turn: bytes read, 0 at end of file (or once the wait delay has
    /// closed the pipe), -1 when the pipe is empty for now. What comes from stderr also goes to the
    /// tail that failures quote.
    /// </summary>
    internal int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _pipe!.ReadAvailable(buffer);
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed by the wait delay
        }
        if (read > 0) _tail?.Append(buffer[..read]);
        return read;
    }

    /// <summary>The consumer is done with the pipe for now: the pump waits for more, or ends (closing the pipe) when <paramref name="ended"/>. A second call does nothing.</summary>
    internal void EndTurn(bool ended) => Interlocked.Exchange(ref _turn, null)?.TrySetResult(ended);
}
