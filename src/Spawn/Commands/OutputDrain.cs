using System.Buffers;
using Spawn.Internal;

namespace Spawn;

/// <summary>The pump of an output pipe: reads it until end-of-file, feeding a sink and the stderr tail.</summary>
internal static class OutputDrain
{
    /// <summary>Most children write little: the first reads are small.</summary>
    private const int FirstReadSize = 4096;

    /// <summary>After a read that filled its buffer (a fast writer): below the large-object threshold, a full default pipe.</summary>
    private const int FastReadSize = 64 * 1024;

    /// <summary>
    /// Reads after the child's exit, once the pipe is only to be drained of what is there
    /// (<see cref="ChildPipeStream.FinishWhenEmpty"/>): more than a full pipe's worth, so a
    /// descendant that keeps writing cannot keep the drain going.
    /// </summary>
    private const int MaxReadsAfterFinish = 64;

    /// <summary>
    /// Reads until end-of-file (or, once told to finish, until the pipe is empty), or until the
    /// wait delay closes the pipe; then completes the sink and closes the pipe.
    /// </summary>
    /// <remarks>
    /// A sink of Spawn's own memory (a capture, discarded stderr) is read on the reactor thread, by
    /// <see cref="ReactorDrain"/>: the read runs where the readiness is seen, with no hand-off to a
    /// thread-pool thread. A fast writer wakes its reader for every write (head writes 8 KiB at a
    /// time); a hand-off per wake-up cost a 100 MB capture a third of its time, and the pool's idle
    /// workers spin on the CPUs the child needs. Other sinks run the caller's code and are read on
    /// the thread pool.
    /// </remarks>
    internal static Task RunAsync(OutputSink sink, ChildPipeStream pipe, StderrTail? tail) =>
        sink.MayDrainOnReactor ? new ReactorDrain(sink, pipe, tail).Start() : RunOnPoolAsync(sink, pipe, tail);

    private static async Task RunOnPoolAsync(OutputSink sink, ChildPipeStream pipe, StderrTail? tail)
    {
        try
        {
            await ReadToEndAsync(sink, pipe, tail).ConfigureAwait(false);
            await sink.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task ReadToEndAsync(OutputSink sink, ChildPipeStream pipe, StderrTail? tail)
    {
        int size = FirstReadSize;
        while (true)
        {
            // A pooled buffer serves one read and goes back before the pump waits, so a quiet
            // child holds none: a buffer per pipe for the child's whole life made hundreds of
            // streams outgrow the pool, and their buffers lived long enough to reach the oldest
            // generation.
            byte[] own = ArrayPool<byte>.Shared.Rent(size);
            int read;
            try
            {
                read = ReadOrEnd(pipe, own);
                if (read > 0)
                {
                    tail?.Append(own.AsSpan(0, read));
                    if (read == own.Length) size = FastReadSize;
                    await sink.WriteAsync(own.AsMemory(0, read)).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(own);
            }
            if (read == 0) return;
            if (read < 0)
            {
                try
                {
                    await pipe.WaitReadableAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return; // closed by the wait delay
                }
            }
        }
    }

    /// <summary>Bytes read, 0 at end of file or once the wait delay has closed the pipe, -1 when nothing is there yet.</summary>
    private static int ReadOrEnd(ChildPipeStream pipe, Span<byte> buffer)
    {
        try
        {
            return pipe.ReadAvailable(buffer);
        }
        catch (ObjectDisposedException)
        {
            return 0; // closed by the wait delay
        }
    }

    /// <summary>
    /// The drain of a sink of Spawn's own memory, driven by readiness callbacks rather than awaits:
    /// it reads on whichever thread sees the pipe readable (the reactor, or the thread that tells it
    /// to finish or closes the pipe), and ends by completing a task whose awaiters resume on the
    /// thread pool, so no caller code ever runs on the reactor, while a blocking wait for it is
    /// woken where it ends. No step needs a thread-pool thread, which a blocking wait for a command
    /// relies on.
    /// </summary>
    private sealed class ReactorDrain(OutputSink sink, ChildPipeStream pipe, StderrTail? tail)
    {
        /// <summary>
        /// Reads per wake-up at most: the pipe, still readable, then waits its turn behind the
        /// events the reactor has already collected.
        /// </summary>
        private const int MaxReadsPerWake = 4;

        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Action? _onReadable;
        private int _size = FirstReadSize;
        private int _readsAfterFinish;

        internal Task Start()
        {
            _onReadable = Pump;
            Pump();
            return _done.Task;
        }

        /// <summary>Reads what there is, then arms the next readiness call, or ends. Never throws: it runs on the reactor.</summary>
        private void Pump()
        {
            try
            {
                while (true)
                {
                    for (int reads = 0; reads < MaxReadsPerWake; reads++)
                    {
                        // Looked at before the read: a read that starts after the child's exit was
                        // seen finds everything the child wrote.
                        bool finishing = pipe.FinishesWhenEmpty;
                        int read = ReadOnce();
                        if (read == 0 || (finishing && (read < 0 || ++_readsAfterFinish > MaxReadsAfterFinish)))
                        {
                            End(null);
                            return;
                        }
                        if (read < 0) break;
                    }
                    // Not armed: told to finish meanwhile, so read on at once.
                    if (pipe.WhenReadableCall(_onReadable!)) return;
                }
            }
            catch (ObjectDisposedException)
            {
                End(null); // closed by the wait delay
            }
#pragma warning disable CA1031 // Handed to whoever waits for the drain; nothing may escape onto the reactor.
            catch (Exception e)
            {
                End(e);
            }
#pragma warning restore CA1031
        }

        /// <summary>
        /// One read, into the sink's own space when it lends some (a capture: a byte is then copied
        /// once on its way in), else into a pooled buffer that goes back at once.
        /// </summary>
        private int ReadOnce()
        {
            Memory<byte> lent = sink.GetReadBuffer();
            if (!lent.IsEmpty)
            {
                int read = ReadOrEnd(pipe, lent.Span);
                if (read > 0)
                {
                    tail?.Append(lent.Span[..read]);
                    sink.Advance(read);
                }
                return read;
            }
            byte[] own = ArrayPool<byte>.Shared.Rent(_size);
            try
            {
                int read = ReadOrEnd(pipe, own);
                if (read > 0)
                {
                    tail?.Append(own.AsSpan(0, read));
                    if (read == own.Length) _size = FastReadSize;
                    sink.Write(own.AsSpan(0, read));
                }
                return read;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(own);
            }
        }

        /// <summary>A sink of own memory has nothing to complete: the pipe closes, and waiters learn the outcome.</summary>
        private void End(Exception? failure)
        {
            pipe.Dispose();
            if (failure is null) _done.TrySetResult();
            else _done.TrySetException(failure);
        }
    }
}
