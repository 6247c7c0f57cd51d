using System.Buffers;

namespace Spawn;

/// <summary>
/// Captured bytes kept in the arrays they were read into, chained as one
/// <see cref="ReadOnlySequence{T}"/>, with the ownership of those arrays: <see cref="Release"/> gives
/// the pooled ones back to the shared array pool, once, whoever calls it first.
/// </summary>
internal sealed class PooledBytes
{
    private byte[][]? _pooled;
    private int _pooledCount;
    private Segment? _first;
    private Segment? _last;

    internal PooledBytes(int pooledCapacity) => _pooled = pooledCapacity == 0 ? [] : new byte[pooledCapacity][];

    /// <summary>True once <see cref="Release"/> has run: the arrays may belong to someone else now.</summary>
    internal bool Released => Volatile.Read(ref _pooled) is null;

    /// <summary>The bytes, as long as they are not released.</summary>
    internal ReadOnlySequence<byte> Sequence =>
        _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, 0, _last!, _last!.Memory.Length);

    internal long Length => _last is null ? 0 : _last.RunningIndex + _last.Memory.Length;

    /// <summary>Adds <paramref name="used"/> bytes of an array rented from the shared pool, which this owner returns.</summary>
    internal void AddPooled(byte[] array, int used)
    {
        _pooled![_pooledCount++] = array;
        Append(array.AsMemory(0, used));
    }

    /// <summary>Adds an array of its own (the marker and the tail of a limited capture).</summary>
    internal void AddUnpooled(byte[] array) => Append(array);

    private void Append(ReadOnlyMemory<byte> memory)
    {
        if (memory.IsEmpty) return;
        var segment = new Segment(memory, _last);
        _first ??= segment;
        _last = segment;
    }

    /// <summary>Gives the pooled arrays back; later calls do nothing.</summary>
    internal void Release()
    {
        byte[][]? pooled = Interlocked.Exchange(ref _pooled, null);
        if (pooled is null) return;
        for (int i = 0; i < _pooledCount; i++) ArrayPool<byte>.Shared.Return(pooled[i]);
        // The segments would still reach the arrays: drop them so a later read cannot.
        _first = null;
        _last = null;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        internal Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is null) return;
            RunningIndex = previous.RunningIndex + previous.Memory.Length;
            previous.Next = this;
        }
    }
}
