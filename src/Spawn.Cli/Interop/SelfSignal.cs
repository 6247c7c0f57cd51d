using System.Runtime.InteropServices;

namespace Spawn.Cli.Interop;

/// <summary>
/// Lets the tool end by the same signal its child died of, as GNU timeout does, so a shell or a
/// parent's waitpid sees "killed by SIGINT" rather than an exit code (bash treats the two differently).
/// </summary>
internal static partial class SelfSignal
{
    private const int PR_SET_DUMPABLE = 4;

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetHandler(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "raise")]
    private static partial int Raise(int signal);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Dies by <paramref name="signal"/>. Core dumps are switched off first: the child's crash is not ours.</summary>
    internal static void Die(int signal)
    {
        _ = Prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        _ = SetHandler(signal, 0); // SIG_DFL
        _ = Raise(signal);
    }
}
