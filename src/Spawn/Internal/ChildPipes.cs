using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Spawn.Internal;

/// <summary>
/// The platform seam for a command's pipes: a pipe between us and a child, a pipe between two
/// children, and a standard stream the child shares with us. Linux: <see cref="PipePair"/> and
/// <see cref="EpollPipeStream"/>; Windows: <see cref="NamedPipePair"/> and <see cref="OverlappedPipeStream"/>.
/// </summary>
internal static class ChildPipes
{
    /// <summary>A pipe whose far end the child gets: <paramref name="childReads"/> for its stdin.</summary>
    internal static (SafeHandle ChildEnd, ChildPipeStream OurEnd) Create(bool childReads)
    {
        if (OperatingSystem.IsWindows()) return NamedPipePair.Create(childReads);
        var (read, write) = PipePair.Create(parentReads: !childReads);
        return childReads ? (read, new EpollPipeStream(write, readable: false)) : (write, new EpollPipeStream(read, readable: true));
    }

    /// <summary>A pipe between two children; we close both ends once they have them.</summary>
    internal static (SafeFileHandle Read, SafeFileHandle Write) CreateBetweenChildren() =>
        OperatingSystem.IsWindows() ? NamedPipePair.CreateBetweenChildren() : PipePair.CreateBetweenChildren();

    /// <summary>Our standard stream <paramref name="fd"/> (0, 1 or 2), not owned, for a child that shares it.</summary>
    internal static SafeHandle Inherited(int fd) =>
        OperatingSystem.IsWindows() ? NamedPipePair.Standard(fd) : StandardStream.ForChild(fd);
}
