using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>glibc's waitid(2) (no rusage argument): used in PID mode to block until a child is waitable.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static unsafe partial int WaitidLibc(int idType, int id, SigInfo* info, int options);
}
