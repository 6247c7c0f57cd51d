using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The calling process's own process group, signal dispositions and end: what a supervisor in the
/// manner of GNU timeout does to itself (see <see cref="CurrentProcess"/>, the public face).
/// </summary>
internal static class OwnProcess
{
    internal static int ProcessGroupId => Sys.GetPgrp();

    /// <summary>setpgid(0, 0); false where it is refused (a session leader cannot leave its group).</summary>
    internal static bool TryLeadNewProcessGroup() => Sys.SetPgid(0, 0) == 0;

    /// <exception cref="SpawnException">sigaction refused (for example SIGKILL or SIGSTOP).</exception>
    internal static void SetDisposition(int signal, bool ignore)
    {
        if (Sys.SetDisposition(signal, ignore ? Sys.SIG_IGN : Sys.SIG_DFL) != 0)
        {
            throw SpawnException.FromErrno($"Setting the disposition of {Signals.Name(signal)} (sigaction)", Errno.Last());
        }
    }

    /// <summary>SIG_IGN → SIG_DFL; any other disposition (a handler the runtime installed) stays. True when it was ignored.</summary>
    internal static bool StopIgnoring(int signal)
    {
        if (Sys.GetHandler(signal, out nint handler) != 0)
        {
            throw SpawnException.FromErrno($"Reading the disposition of {Signals.Name(signal)} (sigaction)", Errno.Last());
        }
        if (handler != Sys.SIG_IGN) return false;
        SetDisposition(signal, ignore: false);
        return true;
    }

    /// <exception cref="SpawnException">kill(0) failed (EPERM for every member).</exception>
    internal static void SignalProcessGroup(int signal)
    {
        if (Sys.KillOwnProcessGroup(signal) != 0)
        {
            throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to our own process group", Errno.Last());
        }
    }

    /// <summary>tcgetpgrp on /dev/tty; null without a controlling terminal.</summary>
    internal static int? TerminalForegroundProcessGroupId()
    {
        int fd = Sys.Open("/dev/tty", Sys.O_RDONLY | Sys.O_NOCTTY | Sys.O_CLOEXEC, 0);
        if (fd < 0) return null;
        try
        {
            int group = Sys.TcGetPgrp(fd);
            return group > 0 ? group : null;
        }
        finally
        {
            _ = Sys.Close(fd);
        }
    }

    /// <summary>
    /// Core dumps off (the signal is not our crash), the default disposition back, then the signal
    /// raised: a signal whose default ends the process ends it here.
    /// </summary>
    internal static void RaiseWithDefaultDisposition(int signal)
    {
        _ = Sys.Prctl(Sys.PR_SET_DUMPABLE, 0, 0, 0, 0);
        _ = Sys.SetDisposition(signal, Sys.SIG_DFL);
        _ = Sys.Raise(signal);
    }

    /// <summary>getpgid(pid); -1 when there is no such process.</summary>
    internal static int ProcessGroupOf(int pid) => Sys.GetPgid(pid);
}
