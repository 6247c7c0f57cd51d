using System.Runtime.InteropServices;

namespace Spawn.Cli.Interop;

/// <summary>
/// Our own terminal, for `spawn run --pty`: whether stdin is one, its window size, and its
/// attributes, saved, switched to raw mode and restored.
/// </summary>
internal static unsafe partial class TerminalMode
{
    private const int TCSANOW = 0;
    private const nuint TIOCGWINSZ = 0x5413;

    /// <summary>glibc's struct termios is 60 bytes on Linux; kept as opaque bytes.</summary>
    private const int TermiosSize = 60;

    /// <summary>isatty(fd).</summary>
    internal static bool IsTerminal(int fd) => IsAtty(fd) == 1;

    /// <summary>The window size of the terminal on <paramref name="fd"/>, or null when it is none (or reports 0x0).</summary>
    internal static (int Columns, int Rows)? WindowSize(int fd)
    {
        ushort* size = stackalloc ushort[4]; // rows, columns, x pixels, y pixels
        if (Ioctl(fd, TIOCGWINSZ, size) != 0 || size[0] == 0 || size[1] == 0) return null;
        return (size[1], size[0]);
    }

    /// <summary>The attributes of the terminal on <paramref name="fd"/>, or null when it has none.</summary>
    internal static byte[]? Save(int fd)
    {
        byte[] saved = new byte[TermiosSize];
        fixed (byte* p = saved)
        {
            return TcGetAttr(fd, p) == 0 ? saved : null;
        }
    }

    /// <summary>Raw mode: every byte passes as typed (Ctrl+C too, to the program's terminal), nothing is echoed here.</summary>
    internal static bool MakeRaw(int fd, byte[] saved)
    {
        byte[] raw = (byte[])saved.Clone();
        fixed (byte* p = raw)
        {
            CfMakeRaw(p);
            return TcSetAttr(fd, TCSANOW, p) == 0;
        }
    }

    /// <summary>Puts back what <see cref="Save"/> read.</summary>
    internal static void Restore(int fd, byte[] saved)
    {
        fixed (byte* p = saved)
        {
            _ = TcSetAttr(fd, TCSANOW, p);
        }
    }

    [LibraryImport("libc", EntryPoint = "isatty")]
    private static partial int IsAtty(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl")]
    private static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int TcSetAttr(int fd, int when, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte* termios);
}
