namespace Spawn;

/// <summary>
/// How a pseudo-terminal starts out (<see cref="PseudoTerminal.Open"/>, <see cref="Command.WithPseudoTerminal(TerminalOptions?)"/>):
/// its window size and line settings. The defaults are what an interactive terminal has: 80x24,
/// echo on, line editing (canonical mode) with \n written as \r\n, UTF-8 input.
/// </summary>
public sealed class TerminalOptions
{
    /// <summary>Columns of the window (1 to 65535, default 80).</summary>
    public int Columns { get; init; } = 80;

    /// <summary>Rows of the window (1 to 65535, default 24).</summary>
    public int Rows { get; init; } = 24;

    /// <summary>
    /// Whether the terminal echoes what is written into it (default true, as for a person typing):
    /// with echo, the output holds the input too.
    /// </summary>
    public bool Echo { get; init; } = true;

    /// <summary>
    /// Raw mode (default false): no line editing, no signal or end-of-file characters, no \n to \r\n
    /// translation, no echo; bytes pass unchanged both ways. Then <see cref="PseudoTerminal.SendEof"/>
    /// and <see cref="PseudoTerminal.SendInterrupt"/> are plain bytes to the program.
    /// </summary>
    public bool Raw { get; init; }

    /// <summary>Whether line editing treats input as UTF-8 (IUTF8: erase removes a whole character; default true).</summary>
    public bool Utf8 { get; init; } = true;

    /// <summary>
    /// For commands (<see cref="Command.WithPseudoTerminal(TerminalOptions?)"/>): the <c>TERM</c> the child
    /// gets when its environment has none (default <c>xterm-256color</c>, so programs use colour);
    /// null leaves it unset.
    /// </summary>
    public string? Term { get; init; } = "xterm-256color";

    internal void Validate()
    {
        if (Columns is < 1 or > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(Columns), Columns, "A terminal has 1 to 65535 columns.");
        if (Rows is < 1 or > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(Rows), Rows, "A terminal has 1 to 65535 rows.");
        if (Term is { } term && (term.Length == 0 || term.Contains('\0', StringComparison.Ordinal)))
        {
            throw new ArgumentException("TERM must be a non-empty name without NUL characters, or null.", nameof(Term));
        }
    }
}
