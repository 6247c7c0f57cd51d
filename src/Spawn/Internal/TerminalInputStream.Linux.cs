namespace Spawn.Internal;

/// <summary>
/// What is written into a pseudo-terminal, as if typed. Disposing it sends the terminal's
/// end-of-file character rather than closing the terminal (closing the master would hang it up):
/// a program reading its terminal sees end-of-file, as after a person's Ctrl+D.
/// </summary>
internal sealed class TerminalInputStream(ChildPipeStream master, PseudoTerminalPair pair) : Stream
{
    private int _disposed;

    /// <summary>The non-blocking master descriptor the writes go through.</summary>
    internal ChildPipeStream Pipe => master;

    public override bool CanRead => false;
    public override bool CanWrite => master.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer) => master.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => master.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        master.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        master.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("This is the terminal's input; read its output.");

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            SendEndOfFile(pair);
            master.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The terminal's VEOF character, best effort: a terminal already hung up or closed has no reader left.</summary>
    internal static void SendEndOfFile(PseudoTerminalPair pair)
    {
        try
        {
            _ = pair.Type(pair.ControlCharacter(PseudoTerminalPair.EndOfFile), EndOfFileTimeoutMilliseconds);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SpawnException)
        {
        }
    }

    /// <summary>How long end-of-file waits for room in a full input queue (a program that reads nothing never makes room).</summary>
    private const int EndOfFileTimeoutMilliseconds = 1000;
}
