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
    /// Reads on the reactor thread, at most this many times per wake-up: the pipe, still readable,
    /// then waits its turn behind the events the reactor has already collected.
    /// </summary>
    private const int MaxReadsPerWake = 4;

    /// <summary>Reads until end-of-file, or until the wait delay closes the pipe; then completes the sink and closes the pipe.</summary>
    /// <remarks>
    /// A sink of Spawn's own memory (a capture, discarded stderr) is read on the reactor thread: the
    /// read runs where the readiness is seen, with no hand-off to a thread-pool thread. A fast writer
    /// wakes its reader for every write (head writes 8 KiB at a time); a hand-off per wake-up cost a
    /// 100 MB capture a third of its time, and the pool's idle workers spin on the CPUs the child
    /// needs. Everything after the last read, the sink's completion and the drain's own, hops to
    /// the thread pool first, so no code that awaits the drain ever runs on the reactor.
    /// </remarks>
    internal static async Task RunAsync(OutputSink sink, ChildPipeStream pipe, StderrTail? tail)
    {
        bool onReactor = sink.IsOwnMemory;
        try
        {
            try
            {
                await ReadToEndAsync(sink, pipe, tail, onReactor).ConfigureAwait(false);
            }
            finally
            {
                if (onReactor) await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            }
            await sink.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task ReadToEndAsync(OutputSink sink, ChildPipeStream pipe, StderrTail? tail, bool onReactor)
    {
        int size = FirstReadSize;
        int readsThisWake = 0;
        while (true)
        {
            // A sink that lends space of its own (a capture) is read into directly, as much as
            // it has room for. Otherwise a pooled buffer serves one read and goes back before
            // the pump waits, so a quiet child holds none: a buffer per pipe for the child's
            // whole life made hundreds of streams outgrow the pool, and their buffers lived
            // long enough to reach the oldest generation.
            Memory<byte> lent = sink.GetReadBuffer();
            byte[]? own = lent.IsEmpty ? ArrayPool<byte>.Shared.Rent(size) : null;
            int read;
            try
            {
                Memory<byte> target = own is null ? lent : own;
                read = ReadOrEnd(pipe, target.Span);
                if (read > 0)
                {
                    tail?.Append(target.Span[..read]);
                    if (own is null)
                    {
                        sink.Advance(read);
                    }
                    else
                    {
                        if (read == own.Length) size = FastReadSize;
                        await sink.WriteAsync(own.AsMemory(0, read)).ConfigureAwait(false);
                    }
                }
            }
            finally
            {
                if (own is not null) ArrayPool<byte>.Shared.Return(own);
            }
            if (read == 0) return;
            if (read < 0 || (onReactor && ++readsThisWake >= MaxReadsPerWake))
            {
                readsThisWake = 0;
                try
                {
                    await pipe.WaitReadableAsync(onReactor).ConfigureAwait(false);
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
}
