using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Our end of a pipe to a child on Linux (see <see cref="ChildPipeStream"/>). The descriptor is non-blocking; when a
/// read or write would block, the stream arms a one-shot registration on the
/// <see cref="EpollReactor"/> and awaits it, so no thread is parked per pipe however many children
/// stream at once. One read or write may be pending at a time, as with most streams.
/// </summary>
internal sealed class EpollPipeStream : ChildPipeStream
{
    private readonly SafeFileHandle _handle;
    private readonly bool _readable;
    private readonly bool _endAtEio;
    private readonly EpollWaiter _waiter;
    private bool _disposed;
    private volatile bool _finishWhenEmpty;

    /// <param name="handle">Our end, non-blocking.</param>
    /// <param name="readable">True for a read end.</param>
    /// <param name="endAtEio">
    /// A pseudo-terminal's master: a read fails with EIO once no slave descriptor is left (the
    /// child and all it started have closed the terminal), which is its end of file.
    /// </param>
    internal EpollPipeStream(SafeFileHandle handle, bool readable, bool endAtEio = false)
    {
        _handle = handle;
        _readable = readable;
        _endAtEio = endAtEio;
        _waiter = new EpollWaiter(handle);
    }

    public override bool CanRead => _readable && !_disposed;
    public override bool CanWrite => !_readable && !_disposed;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_readable) throw new NotSupportedException("This is the write end of the pipe.");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = TryRead(buffer.Span);
            if (read >= 0) return read;
            await _waiter.WhenReady(Sys.EPOLLIN, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Bytes read, 0 at end of file, or -1 when nothing is there yet: a read that never waits, so
    /// a caller can give its buffer back before <see cref="WaitReadableAsync"/>.
    /// </summary>
    internal override int ReadAvailable(Span<byte> buffer)
    {
        if (!_readable) throw new NotSupportedException("This is the write end of the pipe.");
        return TryRead(buffer);
    }

    /// <summary>Completes when a read may find data or end of file (or the stream was closed meanwhile).</summary>
    internal override Task WaitReadableAsync() => _waiter.WhenReady(Sys.EPOLLIN, CancellationToken.None);

    /// <summary>
    /// Calls <paramref name="onReadable"/> once a read may find data or end of file (or the stream
    /// was closed meanwhile), on the thread that sees it (see <see cref="EpollWaiter.WhenReadyCall"/>).
    /// False, arming nothing, once <see cref="FinishWhenEmpty"/> was called: read on at once.
    /// </summary>
    internal override bool WhenReadableCall(Action onReadable) => _waiter.WhenReadyCall(Sys.EPOLLIN, onReadable);

    /// <summary>
    /// True once <see cref="FinishWhenEmpty"/> was called: a reader that finds the pipe empty stops
    /// there, as at end of file.
    /// </summary>
    internal override bool FinishesWhenEmpty => _finishWhenEmpty;

    /// <summary>
    /// The writer we care about has exited (its writes are all in the pipe), but a descendant may
    /// hold the write end for ever: readiness waits complete at once from now on, so the reader
    /// takes what is there and ends instead of waiting for an end of file that may never come.
    /// </summary>
    internal override void FinishWhenEmpty()
    {
        _finishWhenEmpty = true;
        _waiter.Interrupt();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readable) throw new NotSupportedException("This is the read end of the pipe.");
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int written = TryWrite(buffer.Span);
            if (written >= 0)
            {
                buffer = buffer[written..];
                continue;
            }
            await _waiter.WhenReady(Sys.EPOLLOUT, cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        if (!_readable) throw new NotSupportedException("This is the write end of the pipe.");
        while (true)
        {
            int read = TryRead(buffer);
            if (read >= 0) return read;
            BlockUntil(Sys.POLLIN);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_readable) throw new NotSupportedException("This is the read end of the pipe.");
        while (!buffer.IsEmpty)
        {
            int written = TryWrite(buffer);
            if (written >= 0) buffer = buffer[written..];
            else BlockUntil(Sys.POLLOUT);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Bytes read, 0 at end of file, or -1 when the read would block.</summary>
    private int TryRead(Span<byte> buffer) => Counted(TryTransfer(buffer, write: false));

    /// <summary>Bytes written, or -1 when the write would block. EPIPE (the child closed its end) is an IOException.</summary>
    private int TryWrite(ReadOnlySpan<byte> buffer) =>
        TryTransfer(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(buffer), buffer.Length), write: true);

    private unsafe int TryTransfer(Span<byte> buffer, bool write)
    {
        nint n;
        fixed (byte* p = buffer)
        {
            do
            {
                n = write ? Sys.Write(_handle, p, (nuint)buffer.Length) : Sys.Read(_handle, p, (nuint)buffer.Length);
            }
            while (Eintr.Interrupted(n));
        }
        if (n >= 0) return (int)n;
        Errno errno = Errno.Last();
        if (errno == Errno.EAGAIN) return -1;
        if (errno == Errno.EIO && _endAtEio && !write) return 0;
        throw new IOException($"{(write ? "Writing to" : "Reading from")} a child's pipe failed: {errno.Describe()}", (int)errno);
    }

    private void BlockUntil(short events)
    {
        int result;
        do
        {
            result = Sys.Poll(_handle, events, -1, out _);
        }
        while (Eintr.Interrupted(result));
        if (result < 0)
        {
            Errno errno = Errno.Last();
            throw new IOException($"Waiting on a child's pipe failed: {errno.Describe()}", (int)errno);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _waiter.Close(); // out of the epoll set before the descriptor can close
            _handle.Dispose();
        }
        base.Dispose(disposing);
    }
}
