using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
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

    /// <summary>
    /// Our own stdout (for the child's stdout) or stderr (for its stderr). If this process was
    /// started with that stream closed, the child gets /dev/null, never a descriptor this process
    /// opened since in that slot.
    /// </summary>
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

    /// <summary>
    /// Sets this target up for a pseudo-terminal's output (stdout and stderr both go to the terminal):
    /// the terminal's master is read until every program has closed the terminal.
    /// </summary>
    internal abstract StdioSlot OpenOnTerminal(PseudoTerminal terminal);

    /// <summary>A slot that reads the terminal's output into <paramref name="pump"/> (none: the caller reads it).</summary>
    private static StdioSlot TerminalSlot(PseudoTerminal terminal, PipePump? pump, bool exposed = false, bool ownedBySpawn = false) =>
        new() { OurEnd = terminal.OutputPipe, ChildWrites = true, Pump = pump, ExposedToCaller = exposed, OwnedBySpawn = ownedBySpawn };

    /// <summary>The terminal's output copied into a file or handle of the caller's, the way a child's own writes would go there.</summary>
    private static PipePump CopyTo(Func<Stream> open) => async (pipe, tail) =>
    {
        Stream stream = open();
        await using (stream.ConfigureAwait(false))
        {
            await OutputDrain.RunAsync(new StreamSink(stream), pipe, tail).ConfigureAwait(false);
        }
    };

    /// <summary>Reads the pipe until end-of-file (or until the wait delay closes it), feeding the sink and the stderr tail.</summary>
    internal static PipePump Drain(OutputSink sink) => (pipe, tail) => OutputDrain.RunAsync(sink, pipe, tail);

    private sealed class NullTarget : OutputTarget
    {
        /// <summary>One pump for every start: discarding keeps no state, so no closure per start.</summary>
        private static readonly PipePump s_discard = Drain(OutputSink.Discard);

        // stderr goes through a pipe we drain, so a failure can quote its last lines. The pipe is
        // ours alone: completion does not wait for whoever else holds it after the child's exit.
        internal override StdioSlot Open(int fd) =>
            fd == 2 ? StdioSlot.Piped(childReads: false, exposed: false, s_discard, ownedBySpawn: true) : StdioSlot.DevNull;

        // Still read, or a program writing much would wait on a full terminal; dropped at the exit.
        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TerminalSlot(terminal, s_discard, ownedBySpawn: true);
    }

    private sealed class InheritTarget : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Inherited(fd);

        // Our stdout, not owned: left open when the copy ends.
        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) =>
            TerminalSlot(terminal, CopyTo(() => new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1)));
    }

    private sealed class PipeTarget : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Piped(childReads: false, exposed: true, pump: null);

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TerminalSlot(terminal, pump: null, exposed: true);
    }

    private sealed class MergeTarget : OutputTarget
    {
        internal override StdioSlot Open(int fd) =>
            throw new InvalidOperationException("OutputTarget.Stdout is for stderr only (it merges stderr into stdout).");

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) =>
            throw new InvalidOperationException("OutputTarget.Stdout is for stderr only (it merges stderr into stdout).");
    }

    private sealed class FileTarget(string path, bool append) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => new()
        {
            ChildHandle = append ? AppendFile.Open(path) : File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite),
            OwnsChildHandle = true,
        };

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal)
        {
            // Opened now, as without a terminal, so that a bad path fails the start.
            SafeFileHandle file = append ? AppendFile.Open(path) : File.OpenHandle(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            return TerminalSlot(terminal, CopyTo(() => new FileStream(file, FileAccess.Write, 1)));
        }
    }

    private sealed class HandleTarget(SafeHandle handle) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => new() { ChildHandle = handle };

        // The caller's handle, not owned: it must stay open for the run, as it must without a terminal.
        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TerminalSlot(terminal, async (pipe, tail) =>
        {
            bool added = false;
            handle.DangerousAddRef(ref added); // the descriptor stays ours while the copy writes to it
            try
            {
                await CopyTo(() => new FileStream(new SafeFileHandle(handle.DangerousGetHandle(), ownsHandle: false), FileAccess.Write, 1))(pipe, tail).ConfigureAwait(false);
            }
            finally
            {
                handle.DangerousRelease();
            }
        });
    }

    private sealed class SinkTarget(Func<OutputSink> createSink) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Piped(childReads: false, exposed: false, Drain(createSink()));

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TerminalSlot(terminal, Drain(createSink()));
    }

    private sealed class PumpTarget(Func<PipePump> createPump) : OutputTarget
    {
        internal override StdioSlot Open(int fd) => StdioSlot.Piped(childReads: false, exposed: false, createPump());

        internal override StdioSlot OpenOnTerminal(PseudoTerminal terminal) => TerminalSlot(terminal, createPump());
    }
}
