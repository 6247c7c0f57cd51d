using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>pwrite(2): a cgroup control file kept open is written at its start every time.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pwrite", SetLastError = true)]
    internal static unsafe partial nint Pwrite(SafeHandle fd, byte* buffer, nuint count, long offset);
}
