using System.Runtime.InteropServices;
using System.Text;
using Spawn.Internal;

namespace Spawn;

/// <summary>Where a child's stdin comes from. Create one with the static members.</summary>
public abstract class InputSource
{
    private protected InputSource()
    {
    }

    /// <summary>/dev/null: the child reads end-of-file at once.</summary>
    public static InputSource Null { get; } = new NullSource();

    /// <summary>
    /// Our own stdin, shared with the child. If this process was started with its stdin closed,
    /// the child gets /dev/null, never a descriptor this process opened since in that slot.
    /// </summary>
    public static InputSource Inherit { get; } = new InheritSource();

    /// <summary>A pipe the caller writes to through <see cref="ChildProcess.Stdin"/>; closing it gives the child end-of-file.</summary>
    public static InputSource Pipe { get; } = new PipeSource();

    /// <summary>The contents of a file (opened for reading at start).</summary>
    public static InputSource FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileSource(path);
    }

    /// <summary>An open file, pipe or socket handle, given to the child as is (not closed by Spawn).</summary>
    public static InputSource FromHandle(SafeHandle handle) => new HandleSource(handle ?? throw new ArgumentNullException(nameof(handle)));

    /// <summary>Bytes copied from <paramref name="stream"/> until its end. A stream can be read once, so such a command starts once.</summary>
    public static InputSource FromStream(Stream stream) => new StreamSource(stream ?? throw new ArgumentNullException(nameof(stream)));

    /// <summary>The text, encoded (UTF-8 without BOM by default).</summary>
    public static InputSource FromString(string text, Encoding? encoding = null) =>
        new BytesSource((encoding ?? new UTF8Encoding(false)).GetBytes(text ?? throw new ArgumentNullException(nameof(text))));

    /// <summary>The bytes.</summary>
    public static InputSource FromBytes(ReadOnlyMemory<byte> bytes) => new BytesSource(bytes);

    internal abstract StdioSlot Open();

    /// <summary>
    /// Sets this source up for a pseudo-terminal's input: what it holds is typed into the terminal,
    /// and its end is the terminal's end-of-file character, never a close (which would hang the
    /// terminal up). The slot's end is the terminal's input descriptor, dropped at the child's exit.
    /// </summary>
    internal virtual StdioSlot OpenOnTerminal(PseudoTerminal terminal) =>
        throw new NotSupportedException(
            "With a pseudo-terminal, stdin must be something Spawn writes into the terminal: InputSource.Null, Pipe, FromString, FromBytes, FromStream or FromFile. To pass on a handle, copy it into ChildProcess.Terminal.Input.");

    /// <summary>A terminal slot whose pump types <paramref name="write"/>'s bytes, then the end-of-file character.</summary>
    private static StdioSlot TypedIntoTerminal(PseudoTerminal terminal, Func<Stream, Task> write) => new()
    {
        OurEnd = terminal.InputStream.Pipe,
        OwnedBySpawn = true,
        Pump = async (pipe, _) =>
        {
            var typed = new LastByteStream(pipe);
            try
            {
                await write(typed).ConfigureAwait(false);
                // In line mode, end-of-file after text on the line only ends that line: a second one is the end.
                if (typed.Written && typed.LastByte != (byte)'\n' && !terminal.Options.Raw) TerminalInputStream.SendEndOfFile(terminal.Pair);
                TerminalInputStream.SendEndOfFile(terminal.Pair);
            }
            catch (IOException)
            {
                // The terminal is gone (hung up, EIO): nothing reads it any more.
            }
            catch (ObjectDisposedException)
            {
                // Dropped at the child's exit, or by the wait delay.
            }
            finally
            {
                await pipe.DisposeAsync().ConfigureAwait(false);
            }
        },
    };

    /// <summary>
    /// Writes everything, then closes the pipe so the child sees end-of-file. A child that exits or
    /// closes its stdin without reading it all makes the write fail with EPIPE: that ends the copy
    /// quietly, as Go's os/exec does, instead of failing the run.
    /// </summary>
    private static PipePump Feed(Func<ChildPipeStream, Task> write) => async (pipe, _) =>
    {
        try
        {
            await write(pipe).ConfigureAwait(false);
        }
        catch (IOException e) when (e.HResult == 32 /* EPIPE */)
        {
        }
        catch (ObjectDisposedException)
        {
            // Closed at the child's exit (nothing more of it reads), or by the wait delay.
        }
        finally
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
        }
    };

    private sealed class NullSource : InputSource
    {
        internal override StdioSlot Open() => StdioSlot.DevNull;

        // Nothing to type: end-of-file at once.
        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TypedIntoTerminal(terminal, static _ => Task.CompletedTask);
    }

    private sealed class InheritSource : InputSource
    {
        internal override StdioSlot Open() => StdioSlot.Inherited(0);
    }

    private sealed class PipeSource : InputSource
    {
        internal override StdioSlot Open() => StdioSlot.Piped(childReads: true, exposed: true, pump: null);

        // The caller types through ChildProcess.Stdin (the terminal's Input): no feed, and not
        // dropped at the exit, so the caller's writes meet what a terminal gives, not a closed stream.
        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => new() { OurEnd = terminal.InputStream.Pipe, ExposedToCaller = true };
    }

    private sealed class FileSource(string path) : InputSource
    {
        internal override StdioSlot Open() =>
            new() { ChildHandle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), OwnsChildHandle = true };

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal)
        {
            // Opened now, as without a terminal, so that a missing file fails the start.
            var file = new FileStream(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), FileAccess.Read, 1);
            return TypedIntoTerminal(terminal, async typed =>
            {
                await using (file.ConfigureAwait(false)) await file.CopyToAsync(typed).ConfigureAwait(false);
            });
        }
    }

    private sealed class HandleSource(SafeHandle handle) : InputSource
    {
        internal override StdioSlot Open() => new() { ChildHandle = handle };
    }

    private sealed class StreamSource(Stream stream) : InputSource
    {
        private int _used;

        internal override StdioSlot Open()
        {
            if (Interlocked.Exchange(ref _used, 1) != 0)
            {
                throw new InvalidOperationException("This command's stdin is a stream, which was consumed by an earlier start; a command reading a stream can be started once.");
            }
            return StdioSlot.Piped(childReads: true, exposed: false, Feed(pipe => stream.CopyToAsync(pipe)), ownedBySpawn: true);
        }

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal)
        {
            if (Interlocked.Exchange(ref _used, 1) != 0)
            {
                throw new InvalidOperationException("This command's stdin is a stream, which was consumed by an earlier start; a command reading a stream can be started once.");
            }
            return TypedIntoTerminal(terminal, typed => stream.CopyToAsync(typed));
        }
    }

    private sealed class BytesSource(ReadOnlyMemory<byte> bytes) : InputSource
    {
        internal override StdioSlot Open() =>
            StdioSlot.Piped(childReads: true, exposed: false, Feed(pipe => pipe.WriteAsync(bytes).AsTask()), ownedBySpawn: true);

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TypedIntoTerminal(terminal, typed => typed.WriteAsync(bytes).AsTask());
    }

    /// <summary>Passes writes on and remembers the last byte, to know whether the typed input ended its line.</summary>
    private sealed class LastByteStream(Stream inner) : Stream
    {
        internal bool Written { get; private set; }

        internal byte LastByte { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Note(buffer.Span);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Note(buffer.AsSpan(offset, count));
        }

        private void Note(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty) return;
            Written = true;
            LastByte = bytes[^1];
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
