using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>
/// Looks up optional libc functions (newer glibc only) without failing where they are absent,
/// so a call site can fall back instead of meeting EntryPointNotFoundException.
/// </summary>
internal static class LibcExport
{
    private static readonly nint s_libc = NativeLibrary.TryLoad("libc.so.6", out nint handle) ? handle
        : NativeLibrary.TryLoad("libc.so", out handle) ? handle : 0;

    internal static nint Find(string name) =>
        s_libc != 0 && NativeLibrary.TryGetExport(s_libc, name, out nint address) ? address : 0;
}
