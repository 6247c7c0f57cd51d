using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Moves a descriptor Spawn keeps for as long as a child lives (a pidfd, our end of a child's pipe)
/// to fd 1024 or above, as the native fast path does with the pidfds it creates. Low numbers then
/// stay free for the short-lived ends handed to children, and the fast path's fd-table unshare
/// (which copies only up to the highest fd a child is given) stays short however many children are
/// held. Best effort: where the move fails (an fd limit of 1024), the fd stays put.
/// </summary>
/// <remarks>
/// Only once the process holds many descriptors (this one is at <see cref="MovedFrom"/> or above):
/// moving to 1024 grows the kernel's fd table, and growing a table that threads share waits for an
/// RCU grace period, several milliseconds on a busy machine. A process holding a few descriptors
/// (a command-line tool that runs one program) would pay that for nothing; one holding many grows
/// its table anyway, once.
/// </remarks>
internal static class DescriptorPlacement
{
    private const int Floor = 1024;

    /// <summary>The size of the fd table every process starts with (BITS_PER_LONG slots): below it nothing is moved.</summary>
    internal const int MovedFrom = 64;

    internal static int MoveHigh(int fd)
    {
        if (fd >= Floor || fd < MovedFrom) return fd;
        int moved = Sys.Fcntl(fd, Sys.F_DUPFD_CLOEXEC, Floor);
        if (moved < 0) return fd;
        _ = Sys.Close(fd);
        return moved;
    }
}
