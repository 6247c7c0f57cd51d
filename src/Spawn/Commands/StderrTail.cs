using System.Text;

namespace Spawn;

/// <summary>The last few KiB a child wrote to stderr, kept so a failure can say what the child said.</summary>
internal sealed class StderrTail
{
    private const int Capacity = 4096;
    private readonly ByteRing _ring = new(Capacity);

    internal void Append(ReadOnlySpan<byte> bytes) => _ring.Append(bytes);

    /// <summary>The tail as text, starting at a line boundary when some was cut off.</summary>
    public override string ToString()
    {
        string text = Encoding.UTF8.GetString(_ring.ToArray());
        if (_ring.Total > Capacity && text.IndexOf('\n', StringComparison.Ordinal) is int cut and >= 0) text = text[(cut + 1)..];
        return text.TrimEnd('\n');
    }
}
