using System.Globalization;

namespace Spawn.Cli;

/// <summary>
/// Durations as GNU timeout reads them: a C strtod number (decimal, exponent, hex float, inf),
/// not negative, followed by at most one unit letter s, m, h or d ("10", "1.5s", "2m", ".5", "1e3").
/// </summary>
internal static class Duration
{
    /// <summary>The parsed number of seconds (may be infinite: no deadline), or null when <paramref name="text"/> is not a duration.</summary>
    internal static double? TryParse(string text)
    {
        int end = CNumber.Scan(text, out double value);
        if (end == 0 || !(value >= 0)) return null;
        if (end == text.Length) return value;
        if (end != text.Length - 1) return null;
        double unit = text[end] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => 0 };
        return unit == 0 ? null : value * unit;
    }

    /// <summary>Parses a duration or fails with GNU timeout's message and status.</summary>
    internal static double Parse(string text) =>
        TryParse(text) ?? throw new UsageException($"invalid time interval {Quote.Of(text)}");

    /// <summary>Seconds as a TimeSpan; null for 0 (no deadline, as in GNU timeout) and for durations too long to ever end.</summary>
    internal static TimeSpan? ToDeadline(double seconds) =>
        seconds == 0 || seconds >= TimeSpan.MaxValue.TotalSeconds / 2 ? null : TimeSpan.FromSeconds(seconds);

    /// <summary>The prefix of a string that C's strtod (in the C locale) would read.</summary>
    private static class CNumber
    {
        internal static int Scan(string s, out double value)
        {
            value = 0;
            int i = 0;
            while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r') i++;
            bool negative = false;
            if (i < s.Length && s[i] is '+' or '-') negative = s[i++] == '-';
            int end = Special(s, i, ref value);
            if (end == 0) end = s.Length - i >= 2 && s[i] == '0' && s[i + 1] is 'x' or 'X' ? Hex(s, i, ref value) : 0;
            if (end == 0) end = Decimal(s, i, ref value);
            if (end == 0) return 0;
            // A negative underflow is -0, as strtod gives it (and so a duration of 0).
            if (negative) value = value == double.Epsilon ? -0.0 : -value;
            return end;
        }

        private static int Special(string s, int i, ref double value)
        {
            foreach ((string word, double v) in new[] { ("infinity", double.PositiveInfinity), ("inf", double.PositiveInfinity), ("nan", double.NaN) })
            {
                if (string.Compare(s, i, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0 && s.Length - i >= word.Length)
                {
                    value = v;
                    return i + word.Length;
                }
            }
            return 0;
        }

        private static int Decimal(string s, int i, ref double value)
        {
            int j = i, digits = 0;
            while (j < s.Length && char.IsAsciiDigit(s[j])) { j++; digits++; }
            if (j < s.Length && s[j] == '.') { j++; while (j < s.Length && char.IsAsciiDigit(s[j])) { j++; digits++; } }
            if (digits == 0) return 0;
            if (j < s.Length && s[j] is 'e' or 'E')
            {
                int k = j + 1;
                if (k < s.Length && s[k] is '+' or '-') k++;
                if (k < s.Length && char.IsAsciiDigit(s[k]))
                {
                    while (k < s.Length && char.IsAsciiDigit(s[k])) k++;
                    j = k;
                }
            }
            value = double.Parse(s.AsSpan(i, j - i), NumberStyles.Float, CultureInfo.InvariantCulture);
            if (value == 0 && HasNonZeroDigit(s.AsSpan(i, j - i))) value = double.Epsilon;
            return j;
        }

        private static int Hex(string s, int i, ref double value)
        {
            int j = i + 2, digits = 0, fractionDigits = 0;
            double mantissa = 0;
            bool point = false;
            for (; j < s.Length; j++)
            {
                if (s[j] == '.' && !point) { point = true; continue; }
                int d = HexDigit(s[j]);
                if (d < 0) break;
                mantissa = mantissa * 16 + d;
                digits++;
                if (point) fractionDigits++;
            }
            if (digits == 0) return i + 1; // "0x" alone: strtod reads the "0"
            int exponent = 0;
            if (j < s.Length && s[j] is 'p' or 'P')
            {
                int k = j + 1, sign = 1;
                if (k < s.Length && s[k] is '+' or '-') sign = s[k++] == '-' ? -1 : 1;
                if (k < s.Length && char.IsAsciiDigit(s[k]))
                {
                    int e = 0;
                    while (k < s.Length && char.IsAsciiDigit(s[k])) e = Math.Min(e * 10 + (s[k++] - '0'), 100000);
                    exponent = sign * e;
                    j = k;
                }
            }
            value = mantissa * Math.Pow(2, exponent - 4 * fractionDigits);
            if (value == 0 && mantissa != 0) value = double.Epsilon;
            return j;
        }

        /// <summary>
        /// A mantissa digit other than 0 (before the exponent): the number is not zero, even where
        /// it is too small for a double. Such an underflow reads as the smallest positive double, so
        /// "1e-5000" is a deadline that has already passed, as in GNU timeout since 9.2, never 0
        /// (which means no deadline at all).
        /// </summary>
        private static bool HasNonZeroDigit(ReadOnlySpan<char> number)
        {
            foreach (char c in number)
            {
                if (c is 'e' or 'E') break;
                if (c is >= '1' and <= '9') return true;
            }
            return false;
        }

        private static int HexDigit(char c) => c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
    }
}
