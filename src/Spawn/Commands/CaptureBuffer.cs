using System.Text;

namespace Spawn;

/// <summary>
/// Collects one output stream in memory. Without a limit it keeps every byte (in chunks that start
/// small and double up to 1 MiB, so a short output costs little, joined once at the end). With a limit it keeps the first and the last half of it and counts
/// what fell between, which <see cref="ToArray"/> replaces with a marker line.
/// </summary>
internal sealed class CaptureBuffer : OutputSink
{
    private const int FirstChunkSize = 4096;
    private const int MaxChunkSize = 1 << 20;

    private readonly int? _limit;
    private readonly List<byte[]> _chunks = [];
    private int _lastChunkUsed;
    private long _length;
    private ByteRing? _tail;

    internal CaptureBuffer(int? limit) => _limit = limit;

    internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        ReadOnlySpan<byte> span = bytes.Span;
        if (_limit is int limit)
        {
            int headRoom = (int)Math.Max(0, (limit / 2) - _length);
            int toHead = Math.Min(headRoom, span.Length);
            AppendToChunks(span[..toHead]);
            if (toHead < span.Length)
            {
                _tail ??= new ByteRing(limit - (limit / 2));
                _tail.Append(span[toHead..]);
            }
            _length += span.Length;
            return ValueTask.CompletedTask;
        }
        AppendToChunks(span);
        _length += span.Length;
        return ValueTask.CompletedTask;
    }

    private void AppendToChunks(ReadOnlySpan<byte> span)
    {
        while (!span.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastChunkUsed == _chunks[^1].Length)
            {
                int size = _chunks.Count == 0 ? FirstChunkSize : Math.Min(_chunks[^1].Length * 2, MaxChunkSize);
                _chunks.Add(GC.AllocateUninitializedArray<byte>(size));
                _lastChunkUsed = 0;
            }
            int n = Math.Min(span.Length, _chunks[^1].Length - _lastChunkUsed);
            span[..n].CopyTo(_chunks[^1].AsSpan(_lastChunkUsed));
            _lastChunkUsed += n;
            span = span[n..];
        }
    }

    internal byte[] ToArray()
    {
        long headLength = _chunks.Count == 0 ? 0 : _chunks.Take(_chunks.Count - 1).Sum(c => (long)c.Length) + _lastChunkUsed;
        byte[] marker = [];
        byte[] tail = [];
        if (_tail is not null)
        {
            tail = _tail.ToArray();
            long omitted = _length - headLength - tail.Length;
            if (omitted > 0) marker = Encoding.UTF8.GetBytes($"\n... [{omitted} bytes omitted] ...\n");
        }
        var result = GC.AllocateUninitializedArray<byte>(checked((int)(headLength + marker.Length + tail.Length)));
        int offset = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            int used = i == _chunks.Count - 1 ? _lastChunkUsed : _chunks[i].Length;
            _chunks[i].AsSpan(0, used).CopyTo(result.AsSpan(offset));
            offset += used;
        }
        marker.CopyTo(result.AsSpan(offset));
        tail.CopyTo(result.AsSpan(offset + marker.Length));
        return result;
    }

    internal string ToText(Encoding encoding) => encoding.GetString(ToArray());
}
