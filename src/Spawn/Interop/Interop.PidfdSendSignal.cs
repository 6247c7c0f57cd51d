using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial int SyscallPidfdSendSignal(long number, int pidfd, int signal, nint info, uint flags);

    /// <summary>pidfd_send_signal(2) with no siginfo and no flags: 0, or -1 with errno set.</summary>
    internal static int PidfdSendSignal(int pidfd, int signal) =>
        SyscallPidfdSendSignal(SyscallNumbers.PidfdSendSignal, pidfd, signal, 0, 0);
}
