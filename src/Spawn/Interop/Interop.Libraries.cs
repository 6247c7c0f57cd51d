using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>Names of the native libraries Spawn binds to.</summary>
internal static class Libraries
{
    /// <summary>The C library; the runtime maps "libc" to the platform's libc soname.</summary>
    internal const string Libc = "libc";
}

/// <summary>
/// Looks up optional libc functions (newer glibc only) without failing where they are absent,
/// so a call site can fall back instead of meeting EntryPointNotFoundException.
/// </summary>
internal static class LibcExport
{
    private static readonly nint s_libc = NativeLibrary.TryLoad("libc.so.6", out nint handle) ? handle
        : NativeLibrary.TryLoad("libc.so", out handle) ? handle : 0;

    internal static nint Find(string name) =>
        s_libc != 0 && NativeLibrary.TryGetExport(s_libc, name, out nint address) ? address : 0;
}

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
