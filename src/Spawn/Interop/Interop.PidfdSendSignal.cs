using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial int SyscallPidfdSendSignal(long number, int pidfd, int signal, nint info, uint flags);

    /// <summary>Signal the process group of the pidfd's process (Linux 6.9+; EINVAL before).</summary>
    internal const uint PIDFD_SIGNAL_PROCESS_GROUP = 1u << 2;

    /// <summary>pidfd_send_signal(2) with no siginfo: 0, or -1 with errno set.</summary>
    internal static int PidfdSendSignal(int pidfd, int signal, uint flags = 0) =>
        SyscallPidfdSendSignal(SyscallNumbers.PidfdSendSignal, pidfd, signal, 0, flags);
}
