using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>rmdir(2): removes a cgroup directory; needs no descriptor, so it works with a full fd table.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "rmdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Rmdir(string path);
}
