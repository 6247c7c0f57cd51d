using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>
/// Raw system call numbers for the calls glibc does not wrap (or wraps without the argument we need).
/// pidfd_open and pidfd_send_signal share one number on every architecture (the unified table);
/// waitid differs, and its raw form is needed for the fifth (rusage) argument.
/// </summary>
internal static class SyscallNumbers
{
    internal const long PidfdSendSignal = 424;
    internal const long PidfdOpen = 434;

    /// <summary>waitid, or -1 on an architecture whose number we do not know (handle mode is then off).</summary>
    internal static readonly long Waitid = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 247,
        Architecture.Arm64 => 95,
        _ => -1,
    };
}
