using System.Buffers;

namespace Spawn;

/// <summary>Renders an argv as a POSIX shell would need it typed: single quotes where needed.</summary>
internal static class ShellQuoting
{
    private static readonly SearchValues<char> s_plain =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%");

    internal static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    internal static string Quote(string argument)
    {
        if (argument.Length > 0 && !argument.AsSpan().ContainsAnyExcept(s_plain)) return argument;
        // Inside single quotes nothing is special but the quote itself: end, escape, reopen.
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
