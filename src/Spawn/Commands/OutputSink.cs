using System.Text;

namespace Spawn;

/// <summary>Receives the bytes a child writes to one stream, in order, from one pump at a time.</summary>
internal abstract class OutputSink
{
    /// <summary>Drops everything.</summary>
    internal static OutputSink Discard { get; } = new DiscardSink();

    internal abstract ValueTask WriteAsync(ReadOnlyMemory<byte> bytes);

    internal virtual ValueTask CompleteAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Space of the sink's own that the next read may fill directly, sparing the copy
    /// <see cref="WriteAsync"/> makes; empty when the sink wants the bytes through
    /// <see cref="WriteAsync"/>. After a read into it, <see cref="Advance"/> says how much was read.
    /// </summary>
    internal virtual Memory<byte> GetReadBuffer() => Memory<byte>.Empty;

    /// <summary>Takes <paramref name="count"/> bytes read into the space <see cref="GetReadBuffer"/> lent.</summary>
    internal virtual void Advance(int count) => throw new InvalidOperationException("This sink lends no buffer.");

    /// <summary>
    /// True when writing to the sink is Spawn's own memory work, short and never blocking, with no
    /// caller code in it and nothing to complete: its drain may then read on the reactor thread (see
    /// <see cref="OutputDrain"/>), writing through <see cref="Write"/>.
    /// </summary>
    internal virtual bool MayDrainOnReactor => false;

    /// <summary>The synchronous write of a sink of own memory (<see cref="MayDrainOnReactor"/>).</summary>
    internal virtual void Write(ReadOnlySpan<byte> bytes) => throw new InvalidOperationException("This sink is written asynchronously.");

    private sealed class DiscardSink : OutputSink
    {
        internal override bool MayDrainOnReactor => true;

        internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes) => ValueTask.CompletedTask;

        internal override void Write(ReadOnlySpan<byte> bytes)
        {
        }
    }
}

/// <summary>Copies into a caller's stream.</summary>
internal sealed class StreamSink(Stream stream) : OutputSink
{
    internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes) => stream.WriteAsync(bytes);

    internal override ValueTask CompleteAsync() => new(stream.FlushAsync());
}

/// <summary>Decodes text incrementally (a character split across reads is kept for the next one) into a StringBuilder.</summary>
internal sealed class StringBuilderSink(StringBuilder builder, Encoding encoding) : OutputSink
{
    private readonly Decoder _decoder = encoding.GetDecoder();
    private char[] _chars = [];

    internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        Append(bytes.Span, flush: false);
        return ValueTask.CompletedTask;
    }

    internal override ValueTask CompleteAsync()
    {
        Append([], flush: true);
        return ValueTask.CompletedTask;
    }

    private void Append(ReadOnlySpan<byte> bytes, bool flush)
    {
        int needed = _decoder.GetCharCount(bytes, flush);
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, 4096)];
        int count = _decoder.GetChars(bytes, _chars, flush);
        lock (builder)
        {
            builder.Append(_chars, 0, count);
        }
    }
}
