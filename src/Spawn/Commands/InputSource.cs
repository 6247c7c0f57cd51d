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

    /// <summary>Our own stdin, shared with the child.</summary>
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
        internal override StdioSlot Open() => new();
    }

    private sealed class InheritSource : InputSource
    {
        internal override StdioSlot Open() => StdioSlot.Inherited(0);
    }

    private sealed class PipeSource : InputSource
    {
        internal override StdioSlot Open() => StdioSlot.Piped(childReads: true, exposed: true, pump: null);
    }

    private sealed class FileSource(string path) : InputSource
    {
        internal override StdioSlot Open() =>
            new() { ChildHandle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), OwnsChildHandle = true };
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
    }

    private sealed class BytesSource(ReadOnlyMemory<byte> bytes) : InputSource
    {
        internal override StdioSlot Open() =>
            StdioSlot.Piped(childReads: true, exposed: false, Feed(pipe => pipe.WriteAsync(bytes).AsTask()), ownedBySpawn: true);
    }
}
