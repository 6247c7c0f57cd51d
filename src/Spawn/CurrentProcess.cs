using Spawn.Internal;

namespace Spawn;

/// <summary>
/// What a process supervisor does to itself and .NET does not offer: lead a process group of its
/// own, signal that group, ignore a signal, ask which group owns the terminal, and end by the same
/// signal its child died of (as GNU timeout does, so that a shell sees "killed by SIGINT" rather
/// than an exit code). Linux only.
/// </summary>
public static class CurrentProcess
{
    /// <summary>The process group this process is in (getpgrp).</summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static int ProcessGroupId
    {
        get
        {
            PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
            return OwnProcess.ProcessGroupId;
        }
    }

    /// <summary>
    /// The foreground process group of this process's controlling terminal (tcgetpgrp on
    /// <c>/dev/tty</c>); null when it has none.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static int? TerminalForegroundProcessGroupId
    {
        get
        {
            PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
            return OwnProcess.TerminalForegroundProcessGroupId();
        }
    }

    /// <summary>
    /// Makes this process the leader of a new process group (setpgid(0, 0)), so that signals to
    /// "our group" reach what it starts there and not the shell's other jobs.
    /// </summary>
    /// <returns>False where that is refused: a session leader cannot change its group.</returns>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static bool TryLeadNewProcessGroup()
    {
        PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
        return OwnProcess.TryLeadNewProcessGroup();
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to every process in this process's group, this process
    /// included (kill(0, signal)): register a handler first (<c>PosixSignalRegistration</c>) if the
    /// copy that reaches this process must not end it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (0 to 64).</exception>
    /// <exception cref="SpawnException">No member could be signalled.</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static void SignalProcessGroup(int signal)
    {
        PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
        Signals.Validate(signal);
        OwnProcess.SignalProcessGroup(signal);
    }

    /// <summary>
    /// Ignores <paramref name="signal"/> in this process (SIG_IGN), as GNU timeout ignores SIGTTIN
    /// and SIGTTOU so that writing to a terminal it does not own never stops it. Children Spawn
    /// starts get every signal at its default disposition all the same.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (1 to 64).</exception>
    /// <exception cref="SpawnException">The signal cannot be ignored (SIGKILL, SIGSTOP).</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static void IgnoreSignal(int signal)
    {
        PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
        ArgumentOutOfRangeException.ThrowIfZero(signal);
        Signals.Validate(signal);
        OwnProcess.SetDisposition(signal, ignore: true);
    }

    /// <summary>
    /// Sets <paramref name="signal"/> back to its default disposition if this process ignores it
    /// (SIG_IGN), and leaves any other disposition alone. A process can start with signals ignored:
    /// a shell starts its background jobs with SIGINT and SIGQUIT ignored, and nohup ignores SIGHUP.
    /// .NET respects such an ignore: a <see cref="System.Runtime.InteropServices.PosixSignalRegistration"/>
    /// for it is never called. A tool that must catch the signal all the same (as GNU timeout catches
    /// the signals it passes on) calls this first. .NET settles SIGINT and SIGQUIT when its own signal
    /// handling starts (the first PosixSignalRegistration, Console or System.Diagnostics.Process use):
    /// call this before that.
    /// </summary>
    /// <returns>True when the signal was ignored and is now at its default disposition.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (1 to 64).</exception>
    /// <exception cref="SpawnException">The disposition could not be read or set.</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static bool StopIgnoringSignal(int signal)
    {
        PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
        ArgumentOutOfRangeException.ThrowIfZero(signal);
        Signals.Validate(signal);
        return OwnProcess.StopIgnoring(signal);
    }

    /// <summary>
    /// Ends this process by <paramref name="signal"/>: core dumps are switched off (the signal is
    /// a child's, not a crash of ours), the signal's disposition is set back to the default, and
    /// the signal is raised. Returns only for a signal whose default action does not end a process
    /// (SIGCHLD, SIGCONT, SIGWINCH, ...). Nothing of this process is cleaned up first: flush what
    /// must be written before calling it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (1 to 64).</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static void ExitBySignal(int signal)
    {
        PlatformGuard.ThrowIfNotLinux("The calling process's process group and signals");
        ArgumentOutOfRangeException.ThrowIfZero(signal);
        Signals.Validate(signal);
        OwnProcess.RaiseWithDefaultDisposition(signal);
    }
}
