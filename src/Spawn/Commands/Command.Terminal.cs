namespace Spawn;

public sealed partial class Command
{
    /// <summary>The pseudo-terminal the command runs on (see <see cref="WithPseudoTerminal(TerminalOptions?)"/>); null for none.</summary>
    public TerminalOptions? PseudoTerminal { get; private set; }

    /// <summary>
    /// Running the command on a pseudo-terminal of its own, as if a person sat at a terminal: the
    /// program sees a terminal on stdin, stdout and stderr (so it colours its output, prompts, shows
    /// progress, buffers by line), leads a new session whose controlling terminal it is, and gets
    /// <c>TERM</c> (<see cref="TerminalOptions.Term"/>) when its environment has none.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The terminal's output, stderr's included, goes wherever <see cref="Stdout"/> goes (a capture,
    /// lines, a file, a pipe, a delegate); <see cref="Stderr"/> is not used. What <see cref="Stdin"/>
    /// holds is typed into the terminal, and its end is the terminal's end-of-file character (Ctrl+D),
    /// not a close: <see cref="InputSource.Null"/> types only that. <see cref="ChildProcess.Terminal"/>
    /// resizes it, types into it, interrupts. Cancellation and timeouts signal the child's whole
    /// process group. Reading ends when every program has closed the terminal; something the child
    /// started that keeps it open is waited for up to <see cref="WaitDelay"/>, then the terminal is
    /// hung up (SIGHUP).
    /// </para>
    /// <para>
    /// A terminal changes the bytes: with echo, the input comes back in the output; \n arrives as
    /// \r\n; in line mode a line is cut at 4,095 bytes. <see cref="TerminalOptions.Raw"/> turns all
    /// of that off. Linux only: on Windows this throws <see cref="PlatformNotSupportedException"/>.
    /// </para>
    /// </remarks>
    /// <param name="options">Size and settings; null for the defaults (80x24, echo, line mode, UTF-8, TERM=xterm-256color).</param>
    /// <example>
    /// <code>
    /// var result = await new Command("ls", "--color=auto").WithPseudoTerminal().OutputAsync();
    /// Console.Write(result.StandardOutput); // with colours, lines ending in \r\n
    /// </code>
    /// </example>
    /// <exception cref="PlatformNotSupportedException">On Windows (ConPTY is not wired up yet) or another system that is not Linux.</exception>
    public Command WithPseudoTerminal(TerminalOptions? options = null)
    {
        Spawn.PseudoTerminal.ThrowIfUnsupported();
        options ??= new TerminalOptions();
        options.Validate();
        return new(this) { PseudoTerminal = options };
    }

    /// <summary>Running the command without a pseudo-terminal (the default).</summary>
    public Command WithoutPseudoTerminal() => new(this) { PseudoTerminal = null };
}
