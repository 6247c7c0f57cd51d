using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>sigemptyset(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "sigemptyset")]
    internal static unsafe partial int Sigemptyset(void* sigset);
}
