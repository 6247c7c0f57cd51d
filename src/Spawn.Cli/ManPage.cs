using System.Text;

namespace Spawn.Cli;

/// <summary>
/// The man page, made from the help texts (so the two cannot disagree): each help becomes a
/// section, option lines become tagged paragraphs. doc/spawn.1 is this output, checked by a test.
/// </summary>
internal static class ManPage
{
    internal static string Render()
    {
        var roff = new StringBuilder();
        roff.Append(".TH SPAWN 1 \"\" \"").Append(Usage.Version.Trim()).Append("\" \"User Commands\"\n");
        roff.Append(".SH NAME\nspawn \\- run and wait for processes through stable process handles\n");
        Section(roff, "SYNOPSIS", Usage.Main);
        Section(roff, "SPAWN RUN", Usage.Run);
        Section(roff, "SPAWN WAIT", Usage.Wait);
        roff.Append(".SH SEE ALSO\n.BR timeout (1),\n.BR waitpid (1),\n.BR time (1)\n");
        return roff.ToString();
    }

    private static void Section(StringBuilder roff, string title, string help)
    {
        roff.Append(".SH ").Append(title).Append('\n');
        bool inTable = false;
        foreach (string raw in help.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.Length == 0)
            {
                roff.Append(".PP\n");
                inTable = false;
                continue;
            }
            string text = line.TrimStart();
            int indent = line.Length - text.Length;
            // "  -k, --kill-after=DURATION also send ..." : the option, then at least two spaces or one after an argument, then its text.
            int gap = indent is >= 2 and <= 6 ? OptionEnd(text) : -1;
            if (gap > 0 && !text.StartsWith("or:", StringComparison.Ordinal))
            {
                roff.Append(".TP\n").Append(Escape(text[..gap])).Append('\n').Append(Escape(text[gap..].Trim())).Append('\n');
                inTable = true;
            }
            else if (inTable && indent > 6)
            {
                roff.Append(Escape(text)).Append('\n');
            }
            else
            {
                // Usage lines keep their breaks; prose is left to roff to fill.
                if (text.StartsWith("Usage:", StringComparison.Ordinal) || text.StartsWith("or:", StringComparison.Ordinal)) roff.Append(".br\n");
                roff.Append(Escape(text)).Append('\n');
                inTable = false;
            }
        }
    }

    /// <summary>Where an entry's name ends: after the option and its argument ("-k, --kill-after=DURATION"), else at two spaces.</summary>
    private static int OptionEnd(string text)
    {
        var option = System.Text.RegularExpressions.Regex.Match(text, @"^(-\w, )?--?[\w-]+(=\S+)? ");
        return option.Success && text[0] == '-' ? option.Length - 1 : text.IndexOf("  ", StringComparison.Ordinal);
    }

    /// <summary>roff escapes: backslashes and hyphens, and a leading dot or quote that roff would read as a request.</summary>
    private static string Escape(string text)
    {
        string escaped = text.Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal);
        return escaped.StartsWith('.') || escaped.StartsWith('\'') ? "\\&" + escaped : escaped;
    }
}
