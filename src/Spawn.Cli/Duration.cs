using System.Globalization;

namespace Spawn.Cli;

/// <summary>Durations as GNU timeout writes them: a number with an optional unit s, m, h or d ("10", "1.5s", "2m").</summary>
internal static class Duration
{
    internal static TimeSpan Parse(string text, string option)
    {
        if (string.IsNullOrEmpty(text)) throw new UsageException($"{option}: a duration is needed, e.g. 10, 1.5s, 2m, 1h");
        double unit = text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        string number = unit == 0 ? text : text[..^1];
        if (unit == 0) unit = 1;
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value) || value * unit > TimeSpan.MaxValue.TotalSeconds)
        {
            throw new UsageException($"{option}: invalid duration '{text}' (e.g. 10, 1.5s, 2m, 1h)");
        }
        return TimeSpan.FromSeconds(value * unit);
    }
}
