using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>kill(2). Callers never pass a pid &lt;= 0 (that would address a group or everyone).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
