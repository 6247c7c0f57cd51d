using System.Globalization;

namespace Spawn.Cli;

/// <summary>
/// Signal names as GNU timeout reads and writes them (gnulib's operand2sig and sig2str): a name with
/// or without SIG in any case, RTMIN+n / RTMAX-n, or a number; a number above 128 is read as the
/// shell status of a death by signal (130 is INT).
/// </summary>
internal static class SignalNames
{
    private const int RtMin = 34; // glibc keeps 32 and 33 for itself
    private const int RtMax = Signals.MaxSignal;

    private static readonly string[] s_names =
    [
        "EXIT", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM",
        "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS",
    ];

    private static readonly Dictionary<string, int> s_aliases = new(StringComparer.Ordinal) { ["IOT"] = 6, ["CLD"] = 17, ["IO"] = 29 };

    /// <summary>The name GNU tools print for a signal ("TERM", "RTMIN+1", "RTMAX"), or null for a number with no name.</summary>
    internal static string? Name(int signal) => signal switch
    {
        >= 0 and < 32 => s_names[signal],
        RtMin => "RTMIN",
        RtMax => "RTMAX",
        > RtMin and <= (RtMin + RtMax) / 2 => $"RTMIN+{signal - RtMin}",
        > (RtMin + RtMax) / 2 and < RtMax => $"RTMAX-{RtMax - signal}",
        _ => null,
    };

    /// <summary>Reads a signal operand, or fails with GNU's "'X': invalid signal".</summary>
    internal static int Parse(string text)
    {
        int signal = TryParse(text);
        return signal >= 0 && Name(signal) is not null ? signal : throw new UsageException($"{Quote.Of(text)}: invalid signal");
    }

    private static int TryParse(string text)
    {
        if (text.Length > 0 && char.IsAsciiDigit(text[0]))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n)) return -1;
            // WIFSIGNALED(n) ? WTERMSIG(n) : n, as operand2sig reads "kill -l 130"-style statuses.
            bool signaled = (sbyte)((n & 0x7f) + 1) >> 1 > 0;
            return signaled ? n & 0x7f : n;
        }
        string name = text.ToUpperInvariant();
        int signal = FromName(name);
        return signal >= 0 || !name.StartsWith("SIG", StringComparison.Ordinal) ? signal : FromName(name[3..]);
    }

    private static int FromName(string name)
    {
        int index = Array.IndexOf(s_names, name);
        if (index >= 0) return index;
        if (s_aliases.TryGetValue(name, out int alias)) return alias;
        if (name == "RTMIN") return RtMin;
        if (name == "RTMAX") return RtMax;
        if (name.StartsWith("RTMIN+", StringComparison.Ordinal) && Offset(name[6..]) is int up and >= 1 and <= RtMax - RtMin) return RtMin + up;
        if (name.StartsWith("RTMAX-", StringComparison.Ordinal) && Offset(name[6..]) is int down and >= 1 and <= RtMax - RtMin) return RtMax - down;
        if (name.Length > 0 && char.IsAsciiDigit(name[0]) && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= RtMax) return n;
        return -1;
    }

    private static int? Offset(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : null;
}
