using System.Runtime.InteropServices;

namespace Spawn.Cli;

/// <summary>
/// Quotes a word in a message as GNU tools do (gnulib's quote()): 'word' in the C locale,
/// ‘word’ where the locale's character set is UTF-8, so messages match GNU timeout's byte for byte.
/// </summary>
internal static partial class Quote
{
    private const int LC_CTYPE_MASK = 1 << 0;
    private const int CODESET = 14;

    private static readonly bool s_utf8 = LocaleIsUtf8();

    internal static string Of(string word) => s_utf8 ? $"\u2018{word}\u2019" : $"'{word}'";

    /// <summary>The character set of the locale the environment names (LC_ALL, LC_CTYPE, LANG), as setlocale(LC_ALL, "") would pick it.</summary>
    private static bool LocaleIsUtf8()
    {
        nint locale = NewLocale(LC_CTYPE_MASK, "", 0);
        if (locale == 0) return false; // the named locale is not installed: glibc falls back to C
        try
        {
            string? codeset = Marshal.PtrToStringUTF8(NlLanginfoL(CODESET, locale));
            return string.Equals(codeset, "UTF-8", StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            FreeLocale(locale);
        }
    }

    [LibraryImport("libc", EntryPoint = "newlocale", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint NewLocale(int categoryMask, string locale, nint baseLocale);

    [LibraryImport("libc", EntryPoint = "nl_langinfo_l")]
    private static partial nint NlLanginfoL(int item, nint locale);

    [LibraryImport("libc", EntryPoint = "freelocale")]
    private static partial void FreeLocale(nint locale);
}
