using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// A pseudo-terminal's two ends: the master, which we keep (non-blocking, driven by the epoll
/// reactor), and the slave, which a child gets as its terminal. Both are close-on-exec and neither
/// becomes our controlling terminal (O_NOCTTY). The slave is opened from the master with
/// TIOCGPTPEER (Linux 4.13), which needs no path and so cannot open another mount's pty; by its
/// name (ptsname_r) where that ioctl is missing.
/// </summary>
/// <remarks>
/// Terminal attributes, the window size and the foreground group are read and changed through the
/// master: on Linux these ioctls on a pty master act on its slave, so they keep working once the
/// slave is closed in this process (as it must be right after the start: a read of the master
/// reports EIO, the end, only when no slave descriptor is left anywhere).
/// </remarks>
internal sealed unsafe class PseudoTerminalPair : IDisposable
{
    /// <summary>The control-character indices of the end-of-file (VEOF) and interrupt (VINTR) characters.</summary>
    internal const int EndOfFile = Sys.VEOF, Interrupt = Sys.VINTR;

    private SafeFileHandle? _slave;

    private PseudoTerminalPair(SafeFileHandle master, SafeFileHandle slave, string slaveName)
    {
        Master = master;
        _slave = slave;
        SlaveName = slaveName;
    }

    /// <summary>Our end: what a child writes to the terminal is read here, what is written here the child reads.</summary>
    internal SafeFileHandle Master { get; }

    /// <summary>The child's end, until <see cref="CloseSlave"/>.</summary>
    internal SafeFileHandle? Slave => _slave;

    /// <summary>The slave's path, e.g. /dev/pts/3.</summary>
    internal string SlaveName { get; }

    /// <summary>
    /// Opens a pair with the window size and settings given, applied before any child can see the
    /// terminal (a fresh one is 0x0).
    /// </summary>
    /// <exception cref="SpawnException">A step failed (ENOENT: no /dev/ptmx; EMFILE; ...).</exception>
    internal static PseudoTerminalPair Open(ushort columns, ushort rows, bool echo, bool raw, bool utf8)
    {
        int masterFd = Sys.PosixOpenpt(Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_CLOEXEC | Sys.O_NONBLOCK);
        if (masterFd < 0) throw SpawnException.FromErrno("Opening a pseudo-terminal (posix_openpt)", Errno.Last());
        var master = new SafeFileHandle(DescriptorPlacement.MoveHigh(masterFd), ownsHandle: true);
        SafeFileHandle? slave = null;
        try
        {
            if (Sys.Grantpt(master) != 0) throw SpawnException.FromErrno("Opening a pseudo-terminal (grantpt)", Errno.Last());
            if (Sys.Unlockpt(master) != 0) throw SpawnException.FromErrno("Opening a pseudo-terminal (unlockpt)", Errno.Last());
            string name = NameOf(master);
            slave = OpenSlave(master, name);
            var pair = new PseudoTerminalPair(master, slave, name);
            pair.Resize(columns, rows);
            pair.Configure(echo, raw, utf8);
            return pair;
        }
        catch
        {
            slave?.Dispose();
            master.Dispose();
            throw;
        }
    }

    private static string NameOf(SafeFileHandle master)
    {
        byte* buffer = stackalloc byte[128];
        int error = Sys.PtsnameR(master, buffer, 128);
        if (error != 0) throw SpawnException.FromErrno("Naming a pseudo-terminal's slave (ptsname_r)", (Errno)error);
        return Marshal.PtrToStringUTF8((nint)buffer)!;
    }

    private static SafeFileHandle OpenSlave(SafeFileHandle master, string name)
    {
        int fd = Sys.IoctlInt(master, Sys.TIOCGPTPEER, Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_CLOEXEC);
        if (fd < 0)
        {
            Errno error = Errno.Last();
            // EINVAL/ENOTTY: a kernel before 4.13. Anything else is a real failure (EMFILE, ...).
            if (error is not (Errno.EINVAL or Errno.ENOTTY)) throw SpawnException.FromErrno("Opening a pseudo-terminal's slave (TIOCGPTPEER)", error);
            byte[] path = Encoding.UTF8.GetBytes(name + "\0");
            fixed (byte* p = path)
            {
                fd = Sys.OpenBytes(p, Sys.O_RDWR | Sys.O_NOCTTY | Sys.O_CLOEXEC, 0);
            }
            if (fd < 0) throw SpawnException.FromErrno($"Opening a pseudo-terminal's slave {name}", Errno.Last());
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Echo on or off, raw (no line editing, no signal characters, no \n to \r\n) or not, UTF-8 line editing.</summary>
    private void Configure(bool echo, bool raw, bool utf8)
    {
        Sys.Termios attributes = GetAttributes();
        if (raw) Sys.Cfmakeraw(&attributes);
        if (!echo) attributes.LocalFlags &= ~(Sys.ECHO | Sys.ECHOE | Sys.ECHOK | Sys.ECHONL);
        if (utf8) attributes.InputFlags |= Sys.IUTF8;
        else attributes.InputFlags &= ~Sys.IUTF8;
        if (Sys.Tcsetattr(Master, Sys.TCSANOW, &attributes) != 0)
        {
            throw SpawnException.FromErrno("Setting a pseudo-terminal's attributes (tcsetattr)", Errno.Last());
        }
    }

    private Sys.Termios GetAttributes()
    {
        Sys.Termios attributes;
        if (Sys.Tcgetattr(Master, &attributes) != 0)
        {
            throw SpawnException.FromErrno("Reading a pseudo-terminal's attributes (tcgetattr)", Errno.Last());
        }
        return attributes;
    }

    /// <summary>The character the terminal turns into end-of-file (VEOF, ^D) or SIGINT (VINTR, ^C).</summary>
    internal byte ControlCharacter(int index)
    {
        Sys.Termios attributes = GetAttributes();
        return attributes.ControlCharacters[index];
    }

    /// <summary>The window size (TIOCSWINSZ); the kernel sends SIGWINCH to the foreground group when it changes.</summary>
    internal void Resize(ushort columns, ushort rows)
    {
        var size = new Sys.WindowSize { Columns = columns, Rows = rows };
        if (Sys.Ioctl(Master, Sys.TIOCSWINSZ, &size) != 0)
        {
            throw SpawnException.FromErrno("Resizing a pseudo-terminal (TIOCSWINSZ)", Errno.Last());
        }
    }

    /// <summary>The window size (TIOCGWINSZ).</summary>
    internal (ushort Columns, ushort Rows) Size()
    {
        Sys.WindowSize size;
        if (Sys.Ioctl(Master, Sys.TIOCGWINSZ, &size) != 0)
        {
            throw SpawnException.FromErrno("Reading a pseudo-terminal's size (TIOCGWINSZ)", Errno.Last());
        }
        return (size.Columns, size.Rows);
    }

    /// <summary>The foreground process group (TIOCGPGRP on the master reads the slave's), or 0 while there is none.</summary>
    internal int ForegroundProcessGroup()
    {
        int group;
        if (Sys.Ioctl(Master, Sys.TIOCGPGRP, &group) != 0)
        {
            throw SpawnException.FromErrno("Reading a pseudo-terminal's foreground process group (TIOCGPGRP)", Errno.Last());
        }
        return group;
    }

    /// <summary>
    /// Writes one byte into the terminal as if typed (a control character), waiting up to
    /// <paramref name="timeoutMilliseconds"/> while its input queue is full. False when the queue
    /// stayed full; EIO (the terminal was hung up) is an IOException.
    /// </summary>
    internal bool Type(byte character, int timeoutMilliseconds)
    {
        long deadline = Environment.TickCount64 + timeoutMilliseconds;
        while (true)
        {
            nint written;
            do
            {
                written = Sys.Write(Master, &character, 1);
            }
            while (Eintr.Interrupted(written));
            if (written == 1) return true;
            Errno errno = Errno.Last();
            if (errno != Errno.EAGAIN) throw new IOException($"Writing to a pseudo-terminal failed: {errno.Describe()}", (int)errno);
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0) return false;
            _ = Sys.Poll(Master, Sys.POLLOUT, (int)Math.Min(remaining, 100), out _);
        }
    }

    /// <summary>
    /// A second descriptor of the master (close-on-exec, sharing its non-blocking flag), so that
    /// writing and reading can each wait on the epoll reactor, where one descriptor is registered once.
    /// </summary>
    internal SafeFileHandle DuplicateMaster()
    {
        bool added = false;
        Master.DangerousAddRef(ref added);
        try
        {
            int fd = Sys.Fcntl((int)Master.DangerousGetHandle(), Sys.F_DUPFD_CLOEXEC, 1024);
            if (fd < 0) fd = Sys.Fcntl((int)Master.DangerousGetHandle(), Sys.F_DUPFD_CLOEXEC, 0);
            if (fd < 0) throw SpawnException.FromErrno("Duplicating a pseudo-terminal's master (fcntl)", Errno.Last());
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        finally
        {
            Master.DangerousRelease();
        }
    }

    private int _masterHeld;

    /// <summary>
    /// Keeps the master's descriptor open, whoever disposes its handle meanwhile, until
    /// <see cref="ReleaseMaster"/>. A program may close its terminal descriptors before it exits
    /// (cat does, at exit): the master then reads EIO while the program still runs, and closing the
    /// master at that moment would hang the terminal up and kill the program by SIGHUP.
    /// </summary>
    internal void HoldMaster()
    {
        bool added = false;
        Master.DangerousAddRef(ref added);
        if (added) Volatile.Write(ref _masterHeld, 1);
    }

    /// <summary>Ends <see cref="HoldMaster"/> (once; later calls do nothing): the master closes now if its handle was disposed.</summary>
    internal void ReleaseMaster()
    {
        if (Interlocked.Exchange(ref _masterHeld, 0) == 1) Master.DangerousRelease();
    }

    /// <summary>Closes our copy of the slave: a child has its own now, and the master reads EIO once every copy is gone.</summary>
    internal void CloseSlave() => Interlocked.Exchange(ref _slave, null)?.Dispose();

    /// <summary>Closes both ends; closing the master's last descriptor hangs the terminal up (SIGHUP to its session).</summary>
    public void Dispose()
    {
        CloseSlave();
        Master.Dispose();
    }
}
