using System.Runtime.InteropServices;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// One of the child's standard streams as set up for one start: the handle the child gets, our
/// end of a pipe if there is one, and the copy (pump) that moves data between that pipe and the
/// caller's source or sink.
/// </summary>
internal sealed class StdioSlot : IDisposable
{
    /// <summary>What the child gets; null gives it /dev/null.</summary>
    internal SafeHandle? ChildHandle { get; init; }

    /// <summary>Whether <see cref="ChildHandle"/> was opened for this start (and is closed right after it).</summary>
    internal bool OwnsChildHandle { get; init; }

    /// <summary>Our end of the pipe, if the stream goes through one.</summary>
    internal ChildPipeStream? OurEnd { get; init; }

    /// <summary>Whether <see cref="OurEnd"/> is handed to the caller (ChildProcess.Stdin/Stdout/Stderr) rather than pumped.</summary>
    internal bool ExposedToCaller { get; init; }

    /// <summary>
    /// Whether the pipe is Spawn's own means to an end the caller did not ask to see (the stderr
    /// tail's pipe, a stdin feed): at the child's exit it is drained or dropped, whatever else holds it.
    /// </summary>
    internal bool OwnedBySpawn { get; init; }

    /// <summary>Whether the child writes into <see cref="OurEnd"/>'s pipe (stdout, stderr) rather than reads it (stdin).</summary>
    internal bool ChildWrites { get; init; }

    /// <summary>Copies between <see cref="OurEnd"/> and the caller's source or sink; disposes <see cref="OurEnd"/> when done.</summary>
    internal PipePump? Pump { get; init; }

    /// <summary>The child has its copy: close ours, so end-of-file reaches the reader when the child's copy closes.</summary>
    internal void CloseChildSide()
    {
        if (OwnsChildHandle) ChildHandle?.Dispose();
    }

    public void Dispose()
    {
        CloseChildSide();
        OurEnd?.Dispose();
    }

    /// <summary>
    /// /dev/null, with no pipe and nothing to close: one shared instance (nothing in it changes), so
    /// the usual stdin and stdout of a command cost no object per start.
    /// </summary>
    internal static StdioSlot DevNull { get; } = new();

    internal static StdioSlot Inherited(int fd) => new() { ChildHandle = ChildPipes.Inherited(fd) };

    /// <summary>A pipe whose far end the child gets; <paramref name="childReads"/> for stdin; <paramref name="ownedBySpawn"/>: see <see cref="OwnedBySpawn"/>.</summary>
    internal static StdioSlot Piped(bool childReads, bool exposed, PipePump? pump, bool ownedBySpawn = false)
    {
        var (childEnd, ourEnd) = ChildPipes.Create(childReads);
        return new() { ChildHandle = childEnd, OwnsChildHandle = true, OurEnd = ourEnd, ExposedToCaller = exposed, Pump = pump, OwnedBySpawn = ownedBySpawn, ChildWrites = !childReads };
    }
}

/// <summary>
/// Copies between our end of a child's pipe and the caller's source or sink, then disposes the
/// pipe; for stderr it also feeds the tail kept for error messages (null for the other streams).
/// </summary>
internal delegate Task PipePump(ChildPipeStream pipe, StderrTail? stderrTail);
