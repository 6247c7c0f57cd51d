using System.Text;

namespace Spawn;

/// <summary>The last few KiB a child wrote to stderr, kept so a failure can say what the child said.</summary>
internal sealed class StderrTail
{
    private const int Capacity = 4096;

    /// <summary>Made at the first byte: most children write nothing to stderr, and every command drains it.</summary>
    private ByteRing? _ring;

    internal void Append(ReadOnlySpan<byte> bytes) => (_ring ??= new ByteRing(Capacity)).Append(bytes);

    /// <summary>The tail as text, starting at a line boundary when some was cut off.</summary>
    public override string ToString()
    {
        if (_ring is null) return "";
        string text = Encoding.UTF8.GetString(_ring.ToArray());
        if (_ring.Total > Capacity && text.IndexOf('\n', StringComparison.Ordinal) is int cut and >= 0) text = text[(cut + 1)..];
        return text.TrimEnd('\n');
    }
}
