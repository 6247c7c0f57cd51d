using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>pread(2): a cgroup file kept open is read again from its start without moving a shared offset.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint Pread(SafeHandle fd, byte* buffer, nuint count, long offset);
}
