using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Signals: kill, raise, sigaction, signal sets. The other signal numbers are public (Spawn.Signals).
internal static partial class Sys
{
    /// <summary>The one signal this layer needs by number; Spawn.Signals.SIGCHLD is defined from it.</summary>
    internal const int SIGCHLD = 17;

    private const int SA_NOCLDWAIT = 0x2;
    internal const nint SIG_DFL = 0;
    internal const nint SIG_IGN = 1;

    /// <summary>glibc's struct sigaction on 64-bit Linux: handler, a 128-byte mask, then sa_flags.</summary>
    private const int SigactionSize = 152, SigactionFlagsOffset = 136;

    /// <summary>kill(2). Callers never pass a pid &lt;= 0 (that would address a group or everyone).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    /// <summary>kill(0, signal): every process in the caller's process group, the caller included.</summary>
    internal static int KillOwnProcessGroup(int signal) => KillRaw(0, signal);

    [LibraryImport(Libraries.Libc, EntryPoint = "kill", SetLastError = true)]
    private static partial int KillRaw(int pid, int signal);

    /// <summary>raise(3): the signal to the calling thread, delivered before raise returns.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "raise", SetLastError = true)]
    internal static partial int Raise(int signal);

    [LibraryImport(Libraries.Libc, EntryPoint = "sigaction", SetLastError = true)]
    private static unsafe partial int Sigaction(int signal, byte* action, byte* oldAction);

    /// <summary>sigemptyset(3).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "sigemptyset")]
    internal static unsafe partial int Sigemptyset(void* sigset);

    /// <summary>
    /// True when the kernel reaps this process's children itself: SIGCHLD is ignored (SIG_IGN, as a
    /// parent may leave it to us across exec) or has SA_NOCLDWAIT. Their exit status is then gone,
    /// and with SIG_IGN no SIGCHLD is sent either.
    /// </summary>
    internal static unsafe bool ChildrenAutoReaped()
    {
        byte* current = stackalloc byte[SigactionSize];
        if (Sigaction(SIGCHLD, null, current) != 0) return false;
        return *(nint*)current == SIG_IGN || (*(int*)(current + SigactionFlagsOffset) & SA_NOCLDWAIT) != 0;
    }

    /// <summary>sigaction(2) read only: the current handler (SIG_DFL, SIG_IGN or a function), or -1 with errno set.</summary>
    internal static unsafe int GetHandler(int signal, out nint handler)
    {
        byte* current = stackalloc byte[SigactionSize];
        int result = Sigaction(signal, null, current);
        handler = result == 0 ? *(nint*)current : SIG_DFL;
        return result;
    }

    /// <summary>sigaction(2) with <paramref name="handler"/> SIG_DFL or SIG_IGN, an empty mask and no flags.</summary>
    internal static unsafe int SetDisposition(int signal, nint handler)
    {
        byte* action = stackalloc byte[SigactionSize];
        new Span<byte>(action, SigactionSize).Clear(); // an empty mask is all zero bits on Linux
        *(nint*)action = handler;
        return Sigaction(signal, action, null);
    }
}
