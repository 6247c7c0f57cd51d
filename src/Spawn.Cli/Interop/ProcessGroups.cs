using System.Runtime.InteropServices;

namespace Spawn.Cli.Interop;

/// <summary>
/// The process-group calls `spawn run` makes about itself, as GNU timeout makes them: leave the
/// caller's group for one of our own, signal the group, and ask which group owns the terminal.
/// </summary>
internal static partial class ProcessGroups
{
    private const int O_RDONLY = 0;
    private const int O_NOCTTY = 0x100;
    private const int O_CLOEXEC = 0x80000;
    private const nint SIG_IGN = 1;

    /// <summary>setpgid(0, 0): become the leader of a new group (fails, harmlessly, for a session leader).</summary>
    internal static void MakeOwnGroup() => _ = SetPgid(0, 0);

    /// <summary>Our process group.</summary>
    internal static int Current => GetPgrp();

    /// <summary>
    /// SIGTTIN and SIGTTOU ignored, as GNU timeout does, so that writing a message while our group is
    /// in the background never stops us. The child starts with every signal at its default.
    /// </summary>
    internal static void IgnoreTerminalStops()
    {
        _ = SetHandler(21 /* SIGTTIN */, SIG_IGN);
        _ = SetHandler(22 /* SIGTTOU */, SIG_IGN);
    }

    /// <summary>
    /// getpgid(pid) of our unreaped child (its PID cannot name another process before we reap it),
    /// or -1 once it is gone; only read to decide, never used to signal.
    /// </summary>
    internal static int GroupOf(int pid) => GetPgid(pid);

    /// <summary>kill(0, signal): every process of our group, us included.</summary>
    internal static void SignalOwnGroup(int signal) => _ = Kill(0, signal);

    /// <summary>kill(pid, signal) for a process found by scanning /proc (the only way to reach a group without ourselves).</summary>
    internal static bool SignalPid(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>The process group in the foreground of our controlling terminal, or null without one.</summary>
    internal static int? TerminalForegroundGroup()
    {
        int fd = Open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) return null;
        try
        {
            int group = TcGetPgrp(fd);
            return group > 0 ? group : null;
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "setpgid")]
    private static partial int SetPgid(int pid, int pgid);

    [LibraryImport("libc", EntryPoint = "getpgid")]
    private static partial int GetPgid(int pid);

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    private static partial int GetPgrp();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint SetHandler(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "tcgetpgrp")]
    private static partial int TcGetPgrp(int fd);
}
