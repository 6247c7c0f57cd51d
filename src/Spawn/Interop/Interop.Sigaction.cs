using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    private const int SIGCHLD = 17;
    private const int SA_NOCLDWAIT = 0x2;

    /// <summary>glibc's struct sigaction on 64-bit Linux: handler, a 128-byte mask, then sa_flags.</summary>
    private const int SigactionSize = 152, SigactionFlagsOffset = 136;

    [LibraryImport(Libraries.Libc, EntryPoint = "sigaction", SetLastError = true)]
    private static unsafe partial int Sigaction(int signal, byte* action, byte* oldAction);

    /// <summary>
    /// True when the kernel reaps this process's children itself: SIGCHLD is ignored (SIG_IGN, as a
    /// parent may leave it to us across exec) or has SA_NOCLDWAIT. Their exit status is then gone,
    /// and with SIG_IGN no SIGCHLD is sent either.
    /// </summary>
    internal static unsafe bool ChildrenAutoReaped()
    {
        byte* current = stackalloc byte[SigactionSize];
        if (Sigaction(SIGCHLD, null, current) != 0) return false;
        return *(nint*)current == 1 /* SIG_IGN */ || (*(int*)(current + SigactionFlagsOffset) & SA_NOCLDWAIT) != 0;
    }

    /// <summary>Who reaped a child that Spawn found already reaped: the start of an unknown state's reason.</summary>
    internal static string ForeignReaper() => ChildrenAutoReaped()
        ? "SIGCHLD is ignored in this process (SIG_IGN or SA_NOCLDWAIT, perhaps inherited), so the kernel reaped the child itself at its exit"
        : "another component reaped the child";
}
