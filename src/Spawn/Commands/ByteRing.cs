namespace Spawn;

/// <summary>A fixed-size ring that keeps the most recent bytes written to it.</summary>
internal sealed class ByteRing(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];

    /// <summary>Every byte ever appended, kept or not.</summary>
    internal long Total { get; private set; }

    internal void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= capacity) bytes = bytes[^capacity..];
        int start = (int)(Total % capacity);
        int first = Math.Min(bytes.Length, capacity - start);
        bytes[..first].CopyTo(_ring.AsSpan(start));
        bytes[first..].CopyTo(_ring);
        Total += bytes.Length;
    }

    /// <summary>The kept bytes, oldest first.</summary>
    internal byte[] ToArray()
    {
        int length = (int)Math.Min(Total, capacity);
        var bytes = new byte[length];
        int start = (int)((Total - length) % capacity);
        int first = Math.Min(length, capacity - start);
        _ring.AsSpan(start, first).CopyTo(bytes);
        _ring.AsSpan(0, length - first).CopyTo(bytes.AsSpan(first));
        return bytes;
    }
}
