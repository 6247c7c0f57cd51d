using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Process groups and the controlling terminal, and the calling process's own attributes: getpgrp,
// getpgid, setpgid, tcgetpgrp, prctl.
internal static partial class Sys
{
    /// <summary>prctl option: whether the process may dump core (and be ptrace-attached by non-root).</summary>
    internal const int PR_SET_DUMPABLE = 4;

    /// <summary>getpgrp(2): the caller's process group.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getpgrp")]
    internal static partial int GetPgrp();

    /// <summary>getpgid(2): the process group of <paramref name="pid"/> (0: the caller).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getpgid", SetLastError = true)]
    internal static partial int GetPgid(int pid);

    /// <summary>setpgid(2).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "setpgid", SetLastError = true)]
    internal static partial int SetPgid(int pid, int pgid);

    /// <summary>tcgetpgrp(3): the foreground process group of the terminal open on <paramref name="fd"/>.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "tcgetpgrp", SetLastError = true)]
    internal static partial int TcGetPgrp(int fd);

    /// <summary>prctl(2) with one argument.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint argument2, nuint argument3, nuint argument4, nuint argument5);
}
