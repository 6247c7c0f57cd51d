using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// A terminal this process holds on one of its descriptors (its stdin, say): whether it is one,
/// its window size, and raw mode with the settings it replaced kept for the restore.
/// </summary>
internal static unsafe class OwnTerminal
{
    /// <summary>True when <paramref name="fd"/> is a terminal (it has terminal attributes).</summary>
    internal static bool IsTerminal(int fd)
    {
        using SafeFileHandle handle = Borrow(fd);
        Sys.Termios attributes;
        return Sys.Tcgetattr(handle, &attributes) == 0;
    }

    /// <summary>The window size of the terminal on <paramref name="fd"/>; null when it is none or reports 0x0.</summary>
    internal static (int Columns, int Rows)? WindowSize(int fd)
    {
        using SafeFileHandle handle = Borrow(fd);
        Sys.WindowSize size;
        if (Sys.IoctlInt(handle, Sys.TIOCGWINSZ, (nint)(&size)) != 0 || size.Rows == 0 || size.Columns == 0) return null;
        return (size.Columns, size.Rows);
    }

    /// <summary>Switches the terminal on <paramref name="fd"/> to raw mode; the settings it had, or null when it is none or refused.</summary>
    internal static Sys.Termios? EnterRaw(int fd)
    {
        using SafeFileHandle handle = Borrow(fd);
        Sys.Termios saved;
        if (Sys.Tcgetattr(handle, &saved) != 0) return null;
        Sys.Termios raw = saved;
        Sys.Cfmakeraw(&raw);
        return Sys.Tcsetattr(handle, Sys.TCSANOW, &raw) == 0 ? saved : null;
    }

    /// <summary>Puts back settings <see cref="EnterRaw"/> replaced (best effort: the terminal may be gone).</summary>
    internal static void Restore(int fd, Sys.Termios saved)
    {
        using SafeFileHandle handle = Borrow(fd);
        _ = Sys.Tcsetattr(handle, Sys.TCSANOW, &saved);
    }

    /// <summary>The descriptor as a handle that does not own it: disposing it never closes the descriptor.</summary>
    private static SafeFileHandle Borrow(int fd) => new(fd, ownsHandle: false);
}
