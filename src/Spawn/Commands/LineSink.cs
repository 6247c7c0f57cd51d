using System.Text;

namespace Spawn;

/// <summary>
/// Decodes text and passes it to a callback line by line (<see cref="LineSplitter"/> says what a
/// line is), on the pump's thread: the pipe is not read further until the callback returns, so a
/// slow consumer slows the child down instead of filling memory.
/// </summary>
internal sealed class LineSink(Action<string> onLine, Encoding encoding) : OutputSink
{
    private readonly LineSplitter _splitter = new(encoding);

    internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        _splitter.Feed(bytes);
        Emit(); // takes every line, so the drain may reuse its buffer
        return ValueTask.CompletedTask;
    }

    internal override ValueTask CompleteAsync()
    {
        _splitter.Feed(ReadOnlyMemory<byte>.Empty, final: true);
        Emit();
        return ValueTask.CompletedTask;
    }

    private void Emit()
    {
        while (_splitter.TryReadLine(out string? line)) onLine(line);
    }
}

/// <summary>
/// <see cref="LineSink"/> for an asynchronous callback: each line's task is awaited before the
/// next line, and the pipe is not read further until the last one of a read has completed.
/// </summary>
internal sealed class AsyncLineSink(Func<string, Task> onLine, Encoding encoding) : OutputSink
{
    private readonly LineSplitter _splitter = new(encoding);

    internal override ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        _splitter.Feed(bytes);
        return EmitAsync();
    }

    internal override ValueTask CompleteAsync()
    {
        _splitter.Feed(ReadOnlyMemory<byte>.Empty, final: true);
        return EmitAsync();
    }

    private async ValueTask EmitAsync()
    {
        while (_splitter.TryReadLine(out string? line)) await onLine(line).ConfigureAwait(false);
    }
}
