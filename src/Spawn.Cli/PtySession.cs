using Microsoft.Win32.SafeHandles;

namespace Spawn.Cli;

/// <summary>
/// `spawn run --pty` (what `script -qec` and `unbuffer` are used for): the program runs on a
/// pseudo-terminal of its own; our stdin is typed into it, its output goes to our stdout, our window
/// size and its changes (SIGWINCH) are passed on. When our stdin is a terminal it is put in raw mode,
/// so that every key (Ctrl+C included) reaches the program's terminal, which echoes and signals; it
/// is restored on every way out (exit, timeout, death by a signal, an error), by <see cref="Dispose"/>,
/// which runs from a finally block, before spawn ends itself by a signal, and at process exit.
/// </summary>
internal sealed class PtySession : IDisposable
{
    private const int StdinFd = 0;
    private const int StdoutFd = 1;

    private TerminalRawMode? _rawMode;
    private ChildProcess? _child;

    private PtySession(TerminalRawMode? rawMode) => _rawMode = rawMode;

    /// <summary>True when our stdin is a terminal (then in raw mode until <see cref="Dispose"/>).</summary>
    private bool Interactive { get; init; }

    /// <summary>Saves our terminal's mode and switches it to raw, when stdin is a terminal.</summary>
    internal static PtySession Begin()
    {
        bool interactive = TerminalRawMode.IsTerminal(StdinFd);
        // Null when unchanged (not a terminal, or it refused): then there is nothing to restore.
        var session = new PtySession(interactive ? TerminalRawMode.Enter(StdinFd) : null) { Interactive = interactive };
        if (session._rawMode is not null)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) => session.Dispose();
            AppDomain.CurrentDomain.UnhandledException += (_, _) => session.Dispose();
        }
        return session;
    }

    /// <summary>
    /// The command on a terminal the size of ours (80x24 without one). Echo only when a person types:
    /// input piped in is not repeated in the output.
    /// </summary>
    internal Command Configure(Command command)
    {
        var (columns, rows) = OurSize() ?? (80, 24);
        return command
            .WithPseudoTerminal(new TerminalOptions { Columns = columns, Rows = rows, Echo = Interactive })
            .WithStdin(InputSource.Pipe)
            .WithStdout(OutputTarget.Inherit);
    }

    /// <summary>Starts typing our stdin into the program's terminal; at its end, the terminal's end-of-file character.</summary>
    internal void Attach(ChildProcess child)
    {
        _child = child;
        // A blocking read of our stdin, which no descriptor of ours can interrupt: on a thread of its
        // own that the process leaves behind at exit (a background thread), never on the thread pool.
        var thread = new Thread(() => CopyInput(child)) { IsBackground = true, Name = "spawn --pty input" };
        thread.UnsafeStart();
    }

    private static void CopyInput(ChildProcess child)
    {
        Stream input = child.Stdin!;
        try
        {
            using var stdin = new FileStream(new SafeFileHandle(StdinFd, ownsHandle: false), FileAccess.Read, 1);
            byte[] buffer = new byte[4096];
            int read;
            while ((read = stdin.Read(buffer)) > 0) input.Write(buffer.AsSpan(0, read));
            input.Dispose(); // the end-of-file character
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            // The program's terminal is gone (the run ended), or our stdin cannot be read: nothing more to type.
        }
    }

    /// <summary>Our window changed (SIGWINCH): the program's terminal follows, and the kernel tells its foreground group.</summary>
    internal void Resize()
    {
        if (_child?.Terminal is not { } terminal || OurSize() is not { } size) return;
        try
        {
            terminal.Resize(size.Columns, size.Rows);
        }
        catch (Exception e) when (e is ObjectDisposedException or SpawnException)
        {
            // The run has ended.
        }
    }

    private static (int Columns, int Rows)? OurSize() => TerminalRawMode.WindowSize(StdinFd) ?? TerminalRawMode.WindowSize(StdoutFd);

    /// <summary>Puts our terminal back as it was (once; later calls do nothing).</summary>
    public void Dispose() => _rawMode?.Dispose();
}
