using Spawn.Internal;

namespace Spawn;

/// <summary>
/// A pseudo-terminal: a program started on it (<see cref="StartOptions.PseudoTerminal"/>) sees a
/// terminal, as if a person sat at one, so it colours its output, shows prompts and progress, buffers
/// by line and passes <c>isatty</c> checks. What the program writes is read from <see cref="Output"/>;
/// what is written to <see cref="Input"/> reaches it as typed.
/// </summary>
/// <remarks>
/// <para>
/// Facts a terminal brings: with <see cref="TerminalOptions.Echo"/> what is typed comes back in the
/// output; every \n a program writes arrives as \r\n (ONLCR); in line mode a line longer than
/// 4,095 bytes is cut there, and a program sees nothing until the line ends; closing the terminal
/// (<see cref="Dispose"/>) hangs it up, which sends SIGHUP to the programs still on it.
/// </para>
/// <para>
/// Both ends are close-on-exec and the terminal never becomes this process's controlling terminal.
/// Linux only: on Windows, ConPTY would be the equivalent, but it is not wired up yet.
/// </para>
/// </remarks>
public sealed class PseudoTerminal : IDisposable
{
    private readonly ChildPipeStream _output;
    private readonly TerminalInputStream _input;

    private PseudoTerminal(PseudoTerminalPair pair, TerminalOptions options)
    {
        Pair = pair;
        Options = options;
        _output = new EpollPipeStream(pair.Master, readable: true, endAtEio: true);
        _input = new TerminalInputStream(new EpollPipeStream(pair.DuplicateMaster(), readable: false), pair);
    }

    internal PseudoTerminalPair Pair { get; }

    /// <summary>The options the terminal was opened with (its current size is <see cref="Size"/>).</summary>
    public TerminalOptions Options { get; }

    /// <summary>The path of the terminal's slave end, e.g. <c>/dev/pts/3</c> (what <c>tty</c> prints in the child).</summary>
    public string Name => Pair.SlaveName;

    /// <summary>
    /// What programs write to the terminal (and its echo of the input). Reads end (return 0) once
    /// every program has closed the terminal; they wait on Spawn's epoll thread, never on a thread of
    /// their own. One read may be pending at a time. Disposing it closes the terminal's master.
    /// </summary>
    public Stream Output => _output;

    /// <summary>
    /// What is written here reaches the programs as typed (and is echoed to <see cref="Output"/> with
    /// echo on). Disposing it sends the end-of-file character (<see cref="SendEof"/>) instead of
    /// closing the terminal.
    /// </summary>
    public Stream Input => _input;

    internal ChildPipeStream OutputPipe => _output;

    internal TerminalInputStream InputStream => _input;

    /// <summary>
    /// Opens a pseudo-terminal with the window size and settings of <paramref name="options"/>
    /// (defaults: 80x24, echo, line mode, UTF-8).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux (on Windows: ConPTY is not wired up yet).</exception>
    /// <exception cref="SpawnException">The terminal could not be opened (no /dev/ptmx, the descriptor limit, ...).</exception>
    public static PseudoTerminal Open(TerminalOptions? options = null)
    {
        ThrowIfUnsupported();
        options ??= new TerminalOptions();
        options.Validate();
        PseudoTerminalPair pair = PseudoTerminalPair.Open((ushort)options.Columns, (ushort)options.Rows, options.Echo, options.Raw, options.Utf8);
        try
        {
            return new PseudoTerminal(pair, options);
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    /// <summary>The window size, as programs on the terminal see it (TIOCGWINSZ).</summary>
    /// <exception cref="ObjectDisposedException">The terminal is closed.</exception>
    public (int Columns, int Rows) Size
    {
        get
        {
            var (columns, rows) = Pair.Size();
            return (columns, rows);
        }
    }

    /// <summary>
    /// Changes the window size (TIOCSWINSZ); the kernel sends SIGWINCH to the terminal's foreground
    /// process group when the size changes, as when a person resizes a terminal window.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 1 to 65535.</exception>
    /// <exception cref="ObjectDisposedException">The terminal is closed.</exception>
    public void Resize(int columns, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(columns, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, ushort.MaxValue);
        Pair.Resize((ushort)columns, (ushort)rows);
    }

    /// <summary>
    /// The terminal's foreground process group (the job a shell on it runs in the foreground), or
    /// null while it has none (before its program starts, after its session ended).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The terminal is closed.</exception>
    public int? ForegroundProcessGroup => Pair.ForegroundProcessGroup() is > 0 and int group ? group : null;

    /// <summary>
    /// Types the terminal's end-of-file character (VEOF, normally Ctrl+D): in line mode a program
    /// reading an empty line sees end-of-file; after text on the line, it only ends that line
    /// without a newline (send it twice for end-of-file then).
    /// </summary>
    /// <exception cref="IOException">The terminal was hung up, or its input queue stayed full for a second.</exception>
    /// <exception cref="ObjectDisposedException">The terminal is closed.</exception>
    public void SendEof() => Type(PseudoTerminalPair.EndOfFile, "end-of-file");

    /// <summary>
    /// Types the terminal's interrupt character (VINTR, normally Ctrl+C): the kernel sends SIGINT to
    /// the terminal's foreground process group, as when a person presses Ctrl+C. (In raw mode it is
    /// a plain byte.)
    /// </summary>
    /// <exception cref="IOException">The terminal was hung up, or its input queue stayed full for a second.</exception>
    /// <exception cref="ObjectDisposedException">The terminal is closed.</exception>
    public void SendInterrupt() => Type(PseudoTerminalPair.Interrupt, "interrupt");

    private void Type(int index, string what)
    {
        if (!Pair.Type(Pair.ControlCharacter(index), 1000))
        {
            throw new IOException($"The terminal's {what} character could not be written: its input queue stayed full for a second (does the program read it?).");
        }
    }

    /// <summary>
    /// Closes the terminal (both ends, and <see cref="Input"/> and <see cref="Output"/>). Closing the
    /// master hangs the terminal up: the programs still on it get SIGHUP and read end-of-file.
    /// </summary>
    public void Dispose()
    {
        _input.Pipe.Dispose(); // without the end-of-file character: the terminal goes away
        _output.Dispose();
        Pair.Dispose();
    }

    /// <summary>Pseudo-terminals are Linux-only for now; on Windows the exception says why.</summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    internal static void ThrowIfUnsupported()
    {
        if (OperatingSystem.IsWindows()) throw ConPtyUntested();
        PlatformGuard.ThrowIfUnsupported();
    }

    /// <summary>What Windows gets: ConPTY would be the equivalent, but nothing here can verify it.</summary>
    internal static PlatformNotSupportedException ConPtyUntested() =>
        new("Pseudo-terminals are not supported on Windows yet: ConPTY is the equivalent, but it is untested (Wine does not wire a child's standard handles to a pseudoconsole, so nothing here can verify it).");
}
