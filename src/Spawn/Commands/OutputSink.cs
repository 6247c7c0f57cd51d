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

    private sealed class DiscardSink : OutputSink
    {
        internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes) => ValueTask.CompletedTask;
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

/// <summary>
/// Decodes text and hands it on line by line ('\n' ends a line; a '\r' before it is dropped). The
/// handler may be asynchronous: the pipe is not read further until it is done, so a slow consumer
/// slows the child down instead of filling memory.
/// </summary>
internal sealed class LineSink(Func<string, ValueTask> onLine, Encoding encoding) : OutputSink
{
    private readonly Decoder _decoder = encoding.GetDecoder();
    private readonly StringBuilder _line = new();
    private readonly List<string> _complete = [];
    private char[] _chars = [];

    internal LineSink(Action<string> onLine, Encoding encoding)
        : this(line => { onLine(line); return ValueTask.CompletedTask; }, encoding)
    {
    }

    internal override async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        Split(bytes.Span, flush: false);
        await EmitCompleteAsync().ConfigureAwait(false);
    }

    internal override async ValueTask CompleteAsync()
    {
        Split([], flush: true);
        if (_line.Length > 0) TakeLine();
        await EmitCompleteAsync().ConfigureAwait(false);
    }

    private void Split(ReadOnlySpan<byte> bytes, bool flush)
    {
        int needed = _decoder.GetCharCount(bytes, flush);
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, 4096)];
        ReadOnlySpan<char> text = _chars.AsSpan(0, _decoder.GetChars(bytes, _chars, flush));
        int newline;
        while ((newline = text.IndexOf('\n')) >= 0)
        {
            _line.Append(text[..newline]);
            TakeLine();
            text = text[(newline + 1)..];
        }
        _line.Append(text);
    }

    private void TakeLine()
    {
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        _complete.Add(_line.ToString());
        _line.Clear();
    }

    private async ValueTask EmitCompleteAsync()
    {
        foreach (string line in _complete) await onLine(line).ConfigureAwait(false);
        _complete.Clear();
    }
}
