using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Pseudo-terminals: posix_openpt and its companions, terminal attributes (termios), window size,
// the controlling terminal's foreground process group. The ioctl numbers are the generic ones,
// shared by x86-64 and arm64.
internal static unsafe partial class Sys
{

    internal const nuint TIOCGWINSZ = 0x5413;
    internal const nuint TIOCSWINSZ = 0x5414;
    internal const nuint TIOCGPGRP = 0x540F;

    /// <summary>Opens the pty's other end (the slave) from the master, without a path lookup (Linux 4.13).</summary>
    internal const nuint TIOCGPTPEER = 0x5441;

    internal const int TCSANOW = 0;

    // termios c_iflag, c_oflag and c_lflag bits, and c_cc indices.
    internal const uint IUTF8 = 0x4000;
    internal const uint ONLCR = 0x4;
    internal const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40;
    internal const int VINTR = 0, VEOF = 4;

    /// <summary>glibc's struct termios (60 bytes on Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Termios
    {
        internal uint InputFlags;
        internal uint OutputFlags;
        internal uint ControlFlags;
        internal uint LocalFlags;
        internal byte Line;
        internal fixed byte ControlCharacters[32];
        internal uint InputSpeed;
        internal uint OutputSpeed;
    }

    /// <summary>struct winsize.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct WindowSize
    {
        internal ushort Rows;
        internal ushort Columns;
        internal ushort PixelWidth;
        internal ushort PixelHeight;
    }

    /// <summary>posix_openpt(3): a new pty master, or -1 with errno.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_openpt", SetLastError = true)]
    internal static partial int PosixOpenpt(int flags);

    /// <summary>grantpt(3): 0, or -1 with errno.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "grantpt", SetLastError = true)]
    internal static partial int Grantpt(SafeHandle master);

    /// <summary>unlockpt(3): 0, or -1 with errno.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "unlockpt", SetLastError = true)]
    internal static partial int Unlockpt(SafeHandle master);

    /// <summary>ptsname_r(3): 0, or an error number.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ptsname_r")]
    internal static partial int PtsnameR(SafeHandle master, byte* buffer, nuint length);

    /// <summary>ioctl(2) with an integer argument, on a descriptor held by a SafeHandle for the call.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int IoctlInt(SafeHandle fd, nuint request, nint argument);

    /// <summary>open(2) of a path given as UTF-8 bytes.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true)]
    internal static partial int OpenBytes(byte* path, int flags, int mode);

    /// <summary>tcgetattr(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "tcgetattr", SetLastError = true)]
    internal static partial int Tcgetattr(SafeHandle fd, Termios* attributes);

    /// <summary>tcsetattr(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "tcsetattr", SetLastError = true)]
    internal static partial int Tcsetattr(SafeHandle fd, int when, Termios* attributes);

    /// <summary>cfmakeraw(3): no echo, no line editing, no signals from characters, no output processing.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "cfmakeraw")]
    internal static partial void Cfmakeraw(Termios* attributes);
}
