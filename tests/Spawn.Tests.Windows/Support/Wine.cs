using System.Runtime.InteropServices;

namespace Spawn.Tests.Windows.Support;

/// <summary>
/// Whether this runs under Wine (ntdll exports wine_get_version there, never on Windows), and the
/// skips for what Wine does not do as Windows does: a test skipped here says why, never passes silently.
/// </summary>
internal static class Wine
{
    internal static readonly string? Version = Probe();

    internal static bool IsRunning => Version is not null;

    /// <summary>Skips the test under Wine, saying what Wine does not honour.</summary>
    internal static void SkipBecause(string whatWineLacks)
    {
        if (IsRunning) Assert.Skip($"Wine {Version} {whatWineLacks}");
    }

    private static string? Probe()
    {
        if (!NativeLibrary.TryLoad("ntdll.dll", out nint ntdll) || !NativeLibrary.TryGetExport(ntdll, "wine_get_version", out nint export)) return null;
        unsafe
        {
            return Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)export)());
        }
    }
}
