using System.Buffers.Binary;
using System.Text;

namespace Spawn.Cli;

/// <summary>
/// Quotes a word in a message as GNU tools do (gnulib's quote()): 'word' in the C locale,
/// ‘word’ where the locale's character set is UTF-8, so messages match GNU timeout's byte for byte.
/// </summary>
internal static class Quote
{
    private const string LocaleDirectory = "/usr/lib/locale";
    private const uint ArchiveMagic = 0xde020109;

    private static readonly bool s_utf8 = LocaleIsUtf8();

    internal static string Of(string word) => s_utf8 ? $"\u2018{word}\u2019" : $"'{word}'";

    /// <summary>
    /// Whether setlocale(LC_ALL, "") would give a UTF-8 LC_CTYPE, decided as glibc decides it but
    /// without calling into libc: the locale is named by LC_ALL, else LC_CTYPE, else LANG; its
    /// codeset is the part after the dot; a locale that is not installed (neither a directory under
    /// /usr/lib/locale nor a name in its locale-archive) falls back to C. glibc builds C.UTF-8 in.
    /// </summary>
    private static bool LocaleIsUtf8()
    {
        string? name = Variable("LC_ALL") ?? Variable("LC_CTYPE") ?? Variable("LANG");
        if (name is null || name.Contains('/')) return false;
        int dot = name.IndexOf('.');
        if (dot < 0) return false; // no codeset named: the locale's own, which the names here never make UTF-8
        int at = name.IndexOf('@', dot);
        string codeset = at < 0 ? name[(dot + 1)..] : name[(dot + 1)..at];
        string modifier = at < 0 ? "" : name[at..];
        if (NormalizeCodeset(codeset) != "utf8") return false;
        string language = name[..dot];
        if (language == "C") return true;
        string normalized = $"{language}.utf8{modifier}";
        return Installed(name) || Installed(normalized);
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>glibc's _nl_normalize_codeset: letters lowercased, digits kept, everything else dropped.</summary>
    private static string NormalizeCodeset(string codeset)
    {
        var normalized = new StringBuilder(codeset.Length);
        foreach (char c in codeset)
        {
            if (char.IsAsciiLetter(c)) normalized.Append(char.ToLowerInvariant(c));
            else if (char.IsAsciiDigit(c)) normalized.Append(c);
        }
        return normalized.ToString();
    }

    private static bool Installed(string locale) =>
        Directory.Exists(Path.Combine(LocaleDirectory, locale)) || InArchive(locale);

    /// <summary>
    /// True when glibc's locale-archive lists <paramref name="locale"/>: its header gives the name
    /// hash table (entries of hash, name offset, record offset; a zero name offset is a free slot)
    /// and the names are NUL-terminated strings at those offsets. Only the header, the table and the
    /// names are read, not the locale data.
    /// </summary>
    private static bool InArchive(string locale)
    {
        try
        {
            using var archive = new FileStream(Path.Combine(LocaleDirectory, "locale-archive"), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            Span<byte> header = stackalloc byte[32];
            if (archive.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return false;
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != ArchiveMagic) return false;
            uint tableOffset = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            uint tableSize = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
            if (tableSize > 1 << 20) return false;
            byte[] table = new byte[tableSize * 12];
            archive.Position = tableOffset;
            if (archive.ReadAtLeast(table, table.Length, throwOnEndOfStream: false) < table.Length) return false;
            byte[] wanted = Encoding.ASCII.GetBytes(locale + "\0");
            byte[] candidate = new byte[wanted.Length];
            for (int entry = 0; entry < tableSize; entry++)
            {
                uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(table.AsSpan(entry * 12 + 4));
                if (nameOffset == 0) continue;
                archive.Position = nameOffset;
                if (archive.ReadAtLeast(candidate, candidate.Length, throwOnEndOfStream: false) == candidate.Length && candidate.AsSpan().SequenceEqual(wanted)) return true;
            }
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
