namespace Spawn.Internal;

/// <summary>
/// Our end of a pipe to a child, as a <see cref="Stream"/>, with what the command layer's pumps
/// need beyond it: a read that never waits, and readiness to wait for without a thread. One per
/// platform: <see cref="EpollPipeStream"/> (a non-blocking descriptor on the epoll reactor) and
/// <see cref="OverlappedPipeStream"/> (an overlapped named pipe on the I/O completion port).
/// Created by <see cref="ChildPipes"/>.
/// </summary>
internal abstract class ChildPipeStream : Stream
{
    private CapturedStream _captured;

    /// <summary>Every read from now on counts in telemetry as bytes captured from <paramref name="stream"/>; set before the first read.</summary>
    internal void CountReadsAs(CapturedStream stream) => _captured = stream;

    /// <summary>Counts <paramref name="read"/> bytes as captured (if this pipe's reads count) and returns it.</summary>
    protected int Counted(int read)
    {
        if (read > 0 && _captured != CapturedStream.None) Telemetry.Captured(read, _captured);
        return read;
    }

    /// <summary>
    /// Bytes read, 0 at end of file, or -1 when nothing is there yet: a read that never waits, so
    /// a caller can give its buffer back before <see cref="WaitReadableAsync"/>.
    /// </summary>
    internal abstract int ReadAvailable(Span<byte> buffer);

    /// <summary>Completes when a read may find data or end of file (or the stream was closed meanwhile).</summary>
    internal abstract Task WaitReadableAsync();

    /// <summary>
    /// Calls <paramref name="onReadable"/> once a read may find data or end of file (or the stream
    /// was closed meanwhile), on the thread that sees it. False, arming nothing, once
    /// <see cref="FinishWhenEmpty"/> was called: read on at once.
    /// </summary>
    internal abstract bool WhenReadableCall(Action onReadable);

    /// <summary>
    /// True once <see cref="FinishWhenEmpty"/> was called: a reader that finds the pipe empty stops
    /// there, as at end of file.
    /// </summary>
    internal abstract bool FinishesWhenEmpty { get; }

    /// <summary>
    /// The writer we care about has exited (its writes are all in the pipe), but a descendant may
    /// hold the write end for ever: readiness waits complete at once from now on, so the reader
    /// takes what is there and ends instead of waiting for an end of file that may never come.
    /// </summary>
    internal abstract void FinishWhenEmpty();
}
