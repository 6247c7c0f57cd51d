using System.IO.Pipes;
using System.Runtime.Versioning;

namespace Spawn.Internal;

/// <summary>
/// Our end of a pipe to a child on Windows (see <see cref="ChildPipeStream"/>): the server end of
/// a named pipe opened for overlapped I/O, whose operations complete on the I/O completion port, so
/// no thread is parked per pipe however many children stream at once.
/// </summary>
/// <remarks>
/// Windows reports completions, not readiness: "readable" here means that the one read kept in
/// flight has completed. Its bytes wait in the stream's buffer until <see cref="ReadAvailable"/>
/// takes them, and the next read is issued only then, so at most one read is pending and bytes
/// are never reordered. One read or write may be pending at a time, as with most streams.
/// </remarks>
[SupportedOSPlatform("windows")]
internal sealed class OverlappedPipeStream : ChildPipeStream
{
    private const int ReadSize = 64 * 1024;

    private readonly PipeStream _pipe;
    private readonly bool _readable;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _interrupted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _buffer;
    private int _start, _count;
    private Task<int>? _pending;
    private bool _endOfFile;
    private bool _disposed;
    private volatile bool _finishWhenEmpty;

    internal OverlappedPipeStream(PipeStream pipe, bool readable)
    {
        _pipe = pipe;
        _readable = readable;
    }

    public override bool CanRead => _readable && !_disposed;
    public override bool CanWrite => !_readable && !_disposed;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    internal override bool FinishesWhenEmpty => _finishWhenEmpty;

    internal override int ReadAvailable(Span<byte> buffer)
    {
        if (!_readable) throw new NotSupportedException("This is the write end of the pipe.");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            HarvestLocked();
            if (_count == 0 && !_endOfFile)
            {
                StartReadLocked();
                HarvestLocked(); // a read of bytes already in the pipe completes at once
            }
            if (_count > 0)
            {
                int n = Math.Min(_count, buffer.Length);
                _buffer.AsSpan(_start, n).CopyTo(buffer);
                _start += n;
                _count -= n;
                return Counted(n);
            }
            if (_endOfFile || _finishWhenEmpty) return 0;
            return -1;
        }
    }

    internal override Task WaitReadableAsync()
    {
        Task<int>? pending = ReadinessLocked();
        return pending is null ? Task.CompletedTask : Task.WhenAny(pending, _interrupted.Task);
    }

    internal override bool WhenReadableCall(Action onReadable)
    {
        if (_finishWhenEmpty) return false;
        Task<int>? pending = ReadinessLocked();
        if (pending is null)
        {
            // Readable already: called from elsewhere, so a pump that arms again from its callback does not recurse.
            ThreadPool.UnsafeQueueUserWorkItem(static action => action(), onReadable, preferLocal: false);
            return true;
        }
        Task.WhenAny(pending, _interrupted.Task).ContinueWith(static (_, action) => ((Action)action!)(), onReadable,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>Null when a read would not wait now; else the read in flight to wait for.</summary>
    private Task<int>? ReadinessLocked()
    {
        lock (_lock)
        {
            if (_disposed || _finishWhenEmpty) return null;
            HarvestLocked();
            if (_count > 0 || _endOfFile) return null;
            StartReadLocked();
            HarvestLocked();
            return _count > 0 || _endOfFile ? null : _pending;
        }
    }

    internal override void FinishWhenEmpty()
    {
        _finishWhenEmpty = true;
        _interrupted.TrySetResult();
    }

    /// <summary>Issues the read kept in flight, into the stream's buffer.</summary>
    private void StartReadLocked()
    {
        if (_pending is not null || _endOfFile || _count > 0) return;
        _buffer ??= new byte[ReadSize];
        try
        {
            _pending = _pipe.ReadAsync(_buffer, 0, _buffer.Length);
        }
        catch (IOException)
        {
            _endOfFile = true; // the child's end is gone
        }
    }

    /// <summary>Takes the result of a completed read: bytes into the buffer, or the end (0, a broken pipe, a close).</summary>
    private void HarvestLocked()
    {
        if (_pending is not { IsCompleted: true } done) return;
        _pending = null;
        if (done.IsCompletedSuccessfully && done.Result > 0)
        {
            _start = 0;
            _count = done.Result;
        }
        else
        {
            _ = done.Exception; // observed: a broken pipe is the end of file
            _endOfFile = true;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = ReadAvailable(buffer.Span);
            if (read >= 0) return read;
            await WaitReadableAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            int read = ReadAvailable(buffer);
            if (read >= 0) return read;
            WaitReadableAsync().GetAwaiter().GetResult();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readable) throw new NotSupportedException("This is the read end of the pipe.");
        return _pipe.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_readable) throw new NotSupportedException("This is the read end of the pipe.");
        _pipe.Write(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            lock (_lock)
            {
                _disposed = true;
            }
            _interrupted.TrySetResult();
            _pipe.Dispose(); // cancels the read in flight
        }
        base.Dispose(disposing);
    }
}
