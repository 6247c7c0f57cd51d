using System.Text;

namespace Spawn.Internal;

/// <summary>
/// Windows hands a child one command line, not a list: the child's C runtime (or
/// CommandLineToArgvW) splits it again. This builds the line that splits back into exactly the
/// strings given, by the rules both use (MSVC 2008 and later): outside quotes, whitespace separates;
/// a quote toggles quoting; backslashes are literal unless they precede a quote, where 2n of them
/// mean n backslashes and 2n+1 mean n backslashes and a literal quote.
/// </summary>
/// <remarks>
/// The program name (argv[0]) is read by a rule of its own: up to the next whitespace, or, when it
/// starts with a quote, up to the next quote, with no escapes at all. So it is quoted when it holds
/// whitespace or is empty, and one holding a quote cannot be passed (it has no form that reads back).
/// </remarks>
internal static class WindowsCommandLine
{
    /// <summary>The longest command line CreateProcessW accepts, in UTF-16 code units, its NUL included.</summary>
    internal const int MaxLength = 32767;

    /// <exception cref="ArgumentException">argv[0] contains a quote, or a string contains NUL.</exception>
    internal static string Build(IReadOnlyList<string> argv)
    {
        var line = new StringBuilder();
        for (int i = 0; i < argv.Count; i++)
        {
            string argument = argv[i];
            if (argument.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException($"argv[{i}] contains a NUL character.", nameof(argv));
            if (i == 0)
            {
                if (argument.Contains('"', StringComparison.Ordinal))
                {
                    throw new ArgumentException("argv[0] contains a quote: Windows reads the program name without escapes, so it cannot be passed.", nameof(argv));
                }
                AppendProgramName(line, argument);
                continue;
            }
            line.Append(' ');
            AppendArgument(line, argument);
        }
        return line.ToString();
    }

    private static void AppendProgramName(StringBuilder line, string name)
    {
        bool quote = name.Length == 0 || name.AsSpan().IndexOfAny(" \t") >= 0;
        if (quote) line.Append('"');
        line.Append(name);
        if (quote) line.Append('"');
    }

    /// <summary>Appends one argument (after the first) so that it reads back unchanged.</summary>
    internal static void AppendArgument(StringBuilder line, string argument)
    {
        // \n and \v separate too in some runtimes; quoting them costs nothing.
        if (argument.Length > 0 && argument.AsSpan().IndexOfAny(" \t\n\v\"") < 0)
        {
            line.Append(argument);
            return;
        }
        line.Append('"');
        int backslashes = 0;
        foreach (char c in argument)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }
            if (c == '"')
            {
                // The backslashes before a quote are doubled, and one more escapes the quote.
                line.Append('\\', backslashes * 2 + 1);
            }
            else
            {
                line.Append('\\', backslashes);
            }
            backslashes = 0;
            line.Append(c);
        }
        // Backslashes before the closing quote are doubled so that it stays a closing quote.
        line.Append('\\', backslashes * 2);
        line.Append('"');
    }
}
