using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Spawn;

/// <summary>
/// Collects one output stream in memory. Without a limit it keeps every byte (in chunks that start
/// small and double up to 1 MiB, so a short output costs little, joined once at the end). With a
/// limit it keeps the first and the last half of it and counts what fell between, which
/// <see cref="ToArray"/> replaces with a marker line. A result is one array, so a capture without a
/// limit keeps at most <see cref="Array.MaxLength"/> bytes: past that it reads and drops the rest (the
/// child never blocks on a full pipe) and <see cref="ToArray"/> throws <see cref="OutputTooLargeException"/>.
/// </summary>
/// <remarks>
/// The drain reads straight into the free end of the current chunk (<see cref="GetReadBuffer"/>),
/// so a byte is copied once on its way in (by the kernel) and once into the result; a read can
/// take up to a whole chunk, as much as the pipe holds (1 MiB). The chunks come from the shared
/// array pool and go back to it once joined: memory a previous capture already touched is reused,
/// where fresh memory would cost a page fault per 4 KiB (as much as the copies themselves). They go
/// back only from <see cref="ToArray"/>, which runs after the drain has ended; a capture that ends
/// in an exception leaves them to the garbage collector, so no array can be returned while a read
/// may still fill it.
/// </remarks>
internal sealed class CaptureBuffer : OutputSink
{
    private const int FirstChunkSize = 4096;
    private const int MaxChunkSize = 1 << 20;

    private readonly List<byte[]> _chunks = [];
    private int _lastChunkUsed;

    /// <summary>Bytes kept in the chunks: all of them without a limit, the first half of the limit with one.</summary>
    private readonly long _headCapacity;
    private long _headLength;

    /// <summary>Every byte written, kept or not.</summary>
    private long _length;
    private readonly int _tailCapacity;
    private ByteRing? _tail;
    private byte[]? _result;

    /// <summary>Room left in the result for the "[N bytes omitted]" marker line.</summary>
    private const int MarkerRoom = 64;

    private readonly bool _unlimited;

    /// <param name="limit">The capture limit, or null to keep everything.</param>
    /// <param name="singleArray">
    /// True when the result is one array (<see cref="ToArray"/>), which bounds a capture without a
    /// limit at <see cref="Array.MaxLength"/>; false when it is handed out as the chunks themselves
    /// (<see cref="TakePooled"/>), which have no such bound.
    /// </param>
    internal CaptureBuffer(int? limit, bool singleArray = true)
    {
        // One array holds the result: without a limit the head keeps up to Array.MaxLength bytes and
        // only counts the rest (ToArray then throws); with one, head + marker + tail fit in it.
        _unlimited = limit is null;
        int kept = limit is int l ? Math.Min(l, Array.MaxLength - MarkerRoom) : Array.MaxLength;
        _headCapacity = _unlimited ? (singleArray ? kept : long.MaxValue) : kept / 2;
        _tailCapacity = _unlimited ? 0 : kept - (kept / 2);
    }

    internal override bool MayDrainOnReactor => true;

    internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        Write(bytes.Span);
        return ValueTask.CompletedTask;
    }

    internal override void Write(ReadOnlySpan<byte> span)
    {
        int toHead = (int)Math.Min(_headCapacity - _headLength, span.Length);
        AppendToChunks(span[..toHead]);
        if (toHead < span.Length && !_unlimited)
        {
            _tail ??= new ByteRing(_tailCapacity);
            _tail.Append(span[toHead..]);
        }
        _length += span.Length;
    }

    internal override Memory<byte> GetReadBuffer()
    {
        // Before the first write the drain reads into its own pooled buffer: a child that writes
        // nothing (the usual stderr) then costs no chunk. Past the head, bytes go to the tail ring
        // through WriteAsync.
        long headRoom = _headCapacity - _headLength;
        if (_chunks.Count == 0 || headRoom <= 0) return Memory<byte>.Empty;
        if (_lastChunkUsed == _chunks[^1].Length) AddChunk();
        int free = _chunks[^1].Length - _lastChunkUsed;
        return _chunks[^1].AsMemory(_lastChunkUsed, (int)Math.Min(free, headRoom));
    }

    internal override void Advance(int count)
    {
        Debug.Assert(count >= 0 && _lastChunkUsed + count <= _chunks[^1].Length && _headLength + count <= _headCapacity);
        _lastChunkUsed += count;
        _headLength += count;
        _length += count;
    }

    private void AppendToChunks(ReadOnlySpan<byte> span)
    {
        while (!span.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastChunkUsed == _chunks[^1].Length) AddChunk();
            int n = Math.Min(span.Length, _chunks[^1].Length - _lastChunkUsed);
            span[..n].CopyTo(_chunks[^1].AsSpan(_lastChunkUsed));
            _lastChunkUsed += n;
            _headLength += n;
            span = span[n..];
        }
    }

    private void AddChunk()
    {
        int size = _chunks.Count == 0 ? FirstChunkSize : Math.Min(_chunks[^1].Length * 2, MaxChunkSize);
        // No larger than the head has room for, so a small limit costs a small buffer. The pool may
        // give more; the lent space is bounded by the head's room all the same.
        size = (int)Math.Min(size, _headCapacity - _headLength);
        _chunks.Add(ArrayPool<byte>.Shared.Rent(size));
        _lastChunkUsed = 0;
    }

    /// <summary>The captured bytes, once the drain has ended; the chunks go back to the pool.</summary>
    internal byte[] ToArray() => _result ??= Join();

    private byte[] Join()
    {
        if (_unlimited && _length > _headLength) throw new OutputTooLargeException(_length);
        byte[] marker = [];
        byte[] tail = [];
        if (_tail is not null)
        {
            tail = _tail.ToArray();
            long omitted = _length - _headLength - tail.Length;
            if (omitted > 0) marker = Encoding.UTF8.GetBytes($"\n... [{omitted} bytes omitted] ...\n");
        }
        var result = GC.AllocateUninitializedArray<byte>(checked((int)(_headLength + marker.Length + tail.Length)));
        int offset = 0;
        foreach (byte[] chunk in _chunks)
        {
            // Every chunk but the last is full; the last may even be empty (lent, then end-of-file).
            int used = (int)Math.Min(chunk.Length, _headLength - offset);
            chunk.AsSpan(0, used).CopyTo(result.AsSpan(offset));
            offset += used;
            ArrayPool<byte>.Shared.Return(chunk);
        }
        _chunks.Clear();
        marker.CopyTo(result.AsSpan(offset));
        tail.CopyTo(result.AsSpan(offset + marker.Length));
        return result;
    }

    internal string ToText(Encoding encoding) => encoding.GetString(ToArray());

    /// <summary>
    /// The captured bytes as the chunks themselves, once the drain has ended: no copy. The chunks
    /// now belong to the returned owner, which gives them back to the pool when disposed.
    /// </summary>
    internal PooledBytes TakePooled()
    {
        if (_unlimited && _length > _headLength) throw new OutputTooLargeException(_length);
        var pooled = new PooledBytes(_chunks.Count);
        long remaining = _headLength;
        foreach (byte[] chunk in _chunks)
        {
            // Every chunk but the last is full; the last may be empty (lent, then end-of-file).
            int used = (int)Math.Min(chunk.Length, remaining);
            pooled.AddPooled(chunk, used);
            remaining -= used;
        }
        _chunks.Clear();
        if (_tail is not null)
        {
            byte[] tail = _tail.ToArray();
            long omitted = _length - _headLength - tail.Length;
            if (omitted > 0) pooled.AddUnpooled(Encoding.UTF8.GetBytes($"\n... [{omitted} bytes omitted] ...\n"));
            pooled.AddUnpooled(tail);
        }
        return pooled;
    }
}
