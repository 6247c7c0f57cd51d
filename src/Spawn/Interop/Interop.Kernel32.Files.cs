using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Spawn.Interop;

/// <summary>kernel32: opening files and pipes by name (Windows).</summary>
internal static partial class Kernel32
{
    internal const uint GENERIC_READ = 0x80000000;
    internal const uint GENERIC_WRITE = 0x40000000;
    internal const uint FILE_SHARE_READ = 0x1;
    internal const uint FILE_SHARE_WRITE = 0x2;
    internal const uint FILE_SHARE_DELETE = 0x4;
    internal const uint FILE_APPEND_DATA = 0x4;
    internal const uint OPEN_EXISTING = 3;
    internal const uint OPEN_ALWAYS = 4;

    [LibraryImport(Library, EntryPoint = "CreateFileW", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    internal static partial SafeFileHandle CreateFile(string name, uint access, uint share, nint securityAttributes, uint disposition, uint flags, nint template);
}
