using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>wait4(2): reaps <paramref name="pid"/> and fills its resource usage (PID mode).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "wait4", SetLastError = true)]
    internal static unsafe partial int Wait4(int pid, int* status, int options, RUsage* usage);
}
