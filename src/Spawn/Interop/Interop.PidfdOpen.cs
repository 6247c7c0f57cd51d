using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial int SyscallPidfdOpen(long number, int pid, uint flags);

    /// <summary>pidfd_open(2): a close-on-exec pidfd for <paramref name="pid"/>, or -1 with errno set.</summary>
    internal static int PidfdOpen(int pid) => SyscallPidfdOpen(SyscallNumbers.PidfdOpen, pid, 0);
}
