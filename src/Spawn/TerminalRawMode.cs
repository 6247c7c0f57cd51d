using Spawn.Internal;
using Spawn.Interop;

namespace Spawn;

/// <summary>
/// A terminal of this process (its stdin, typically) switched to raw mode: every byte passes as
/// typed, Ctrl+C included, and nothing is echoed, as a program that forwards keys to a child's
/// pseudo-terminal needs. <see cref="Dispose"/> puts the settings back (once); dispose it on every
/// way out, or the user's shell is left in raw mode. Linux only.
/// </summary>
public sealed class TerminalRawMode : IDisposable
{
    private readonly int _fd;
    private readonly Lock _lock = new();
    private Sys.Termios? _saved;

    private TerminalRawMode(int fd, Sys.Termios saved)
    {
        _fd = fd;
        _saved = saved;
    }

    /// <summary>True when descriptor <paramref name="fd"/> of this process is a terminal.</summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static bool IsTerminal(int fd)
    {
        PlatformGuard.ThrowIfNotLinux("Terminal modes");
        return fd >= 0 && OwnTerminal.IsTerminal(fd);
    }

    /// <summary>The window size of the terminal on descriptor <paramref name="fd"/>; null when it is not a terminal or reports no size.</summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static (int Columns, int Rows)? WindowSize(int fd)
    {
        PlatformGuard.ThrowIfNotLinux("Terminal modes");
        return fd >= 0 ? OwnTerminal.WindowSize(fd) : null;
    }

    /// <summary>
    /// Switches the terminal on descriptor <paramref name="fd"/> to raw mode (cfmakeraw); null,
    /// changing nothing, when it is not a terminal or refuses the change.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static TerminalRawMode? Enter(int fd)
    {
        PlatformGuard.ThrowIfNotLinux("Terminal modes");
        return fd >= 0 && OwnTerminal.EnterRaw(fd) is { } saved ? new TerminalRawMode(fd, saved) : null;
    }

    /// <summary>Puts the terminal's settings back as they were; later calls do nothing.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_saved is { } saved) OwnTerminal.Restore(_fd, saved);
            _saved = null;
        }
    }
}
