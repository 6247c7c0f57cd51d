using System.Globalization;

namespace Spawn.Cli;

/// <summary>Reads a signal as a name (TERM, SIGTERM, term) or a number, as GNU timeout and kill accept it.</summary>
internal static class SignalNames
{
    internal static int Parse(string text, string option)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= 0 && number <= Signals.MaxSignal)
        {
            return number;
        }
        string name = text.ToUpperInvariant();
        if (name.StartsWith("SIG", StringComparison.Ordinal)) name = name[3..];
        for (int signal = 1; signal <= Signals.MaxSignal; signal++)
        {
            if (Signals.Name(signal) == name) return signal;
        }
        throw new UsageException($"{option}: unknown signal '{text}' (a name like TERM or a number)");
    }
}
