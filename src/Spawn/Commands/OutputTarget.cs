using System.Runtime.InteropServices;
using System.Text;
using Spawn.Internal;

namespace Spawn;

/// <summary>Where a child's stdout or stderr goes. Create one with the static members.</summary>
public abstract class OutputTarget
{
    private protected OutputTarget()
    {
    }

    /// <summary>/dev/null. For stderr, Spawn still keeps the last few KiB for error messages.</summary>
    public static OutputTarget Null { get; } = new NullTarget();

    /// <summary>Our own stdout (for the child's stdout) or stderr (for its stderr).</summary>
    public static OutputTarget Inherit { get; } = new InheritTarget();

    /// <summary>A pipe the caller reads through <see cref="ChildProcess.Stdout"/> or <see cref="ChildProcess.Stderr"/>.</summary>
    public static OutputTarget Pipe { get; } = new PipeTarget();

    /// <summary>For stderr only: the same descriptor as stdout (2&gt;&amp;1), so the order of their writes is kept.</summary>
    public static OutputTarget Stdout { get; } = new MergeTarget();

    /// <summary>A file, created or truncated (or appended to), opened at start.</summary>
    public static OutputTarget ToFile(string path, bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new FileTarget(path, append);
    }

    /// <summary>An open file, pipe or socket handle, given to the child as is (not closed by Spawn).</summary>
    public static OutputTarget ToHandle(SafeHandle handle) => new HandleTarget(handle ?? throw new ArgumentNullException(nameof(handle)));

    /// <summary>Copied into <paramref name="stream"/> (not closed by Spawn).</summary>
    public static OutputTarget ToStream(Stream stream) => new SinkTarget(() => new StreamSink(stream ?? throw new ArgumentNullException(nameof(stream))));

    /// <summary>Decoded (UTF-8 by default) and appended to <paramref name="builder"/>.</summary>
    public static OutputTarget ToStringBuilder(StringBuilder builder, Encoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return new SinkTarget(() => new StringBuilderSink(builder, encoding ?? Encoding.UTF8));
    }

    /// <summary>Decoded (UTF-8 by default) and passed to <paramref name="onLine"/> one line at a time, without the line end.</summary>
#pragma warning disable RS0026 // The overloads differ in the callback's type, not in their optional parameter.
    public static OutputTarget ToDelegate(Action<string> onLine, Encoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        return new SinkTarget(() => new LineSink(onLine, encoding ?? Encoding.UTF8));
    }

    /// <summary>
    /// Decoded (UTF-8 by default) and passed to <paramref name="onLine"/> one line at a time, without
    /// the line end; each line's task completes before the next line is passed (and the child waits
    /// on a full pipe meanwhile).
    /// </summary>
    public static OutputTarget ToDelegate(Func<string, Task> onLine, Encoding? encoding = null)
    {
        ArgumentNullException.ThrowIfNull(onLine);
        return new SinkTarget(() => new AsyncLineSink(onLine, encoding ?? Encoding.UTF8));
    }
#pragma warning restore RS0026

    internal static OutputTarget ToSink(Func<OutputSink> sink) => new SinkTarget(sink);

    /// <summary>A pipe that <paramref name="pump"/> (made per start) reads, in place of a drain into a sink.</summary>
    internal static OutputTarget ToPump(Func<PipePump> pump) => new PumpTarget(pump);

    /// <summary>Sets this target up for child fd <paramref name="fd"/> (1 or 2).</summary>
    internal abstract StdioSlot Open(int fd);

    /// <summary>Reads the pipe until end-of-file (or until the wait delay closes it), feeding the sink and the stderr tail.</summary>
    internal static PipePump Drain(OutputSink sink) => (pipe, tail) => OutputDrain.RunAsync(sink, pipe, tail);

    private sealed class NullTarget : OutputTarget
    {
        // stderr goes through a pipe we drain, so a failure can quote its last lines. The pipe is
        // ours alone: completion does not wait for whoever else holds it after the child's exit.
        internal override StdioSlot Open(int fd) =>
            fd == 2 ? StdioSlot.Piped(childReads: false, exposed: false, Drain(OutputSink.Discard), ownedBySpawn: true) : new();
    }

    private sealed class InheritTarget : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Inherited(fd);
    }

    private sealed class PipeTarget : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Piped(childReads: false, exposed: true, pump: null);
    }

    private sealed class MergeTarget : OutputTarget
    {
        internal override StdioSlot Open(int fd) =>
            throw new InvalidOperationException("OutputTarget.Stdout is for stderr only (it merges stderr into stdout).");
    }

    private sealed class FileTarget(string path, bool append) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => new()
        {
            ChildHandle = append ? AppendFile.Open(path) : File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite),
            OwnsChildHandle = true,
        };
    }

    private sealed class HandleTarget(SafeHandle handle) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => new() { ChildHandle = handle };
    }

    private sealed class SinkTarget(Func<OutputSink> createSink) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Piped(childReads: false, exposed: false, Drain(createSink()));
    }

    private sealed class PumpTarget(Func<PipePump> createPump) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Piped(childReads: false, exposed: false, createPump());
    }
}
