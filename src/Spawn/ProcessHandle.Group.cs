using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn;

public sealed partial class ProcessHandle
{
    /// <summary>
    /// Sends <paramref name="signal"/> to the process group this process leads (its pgid is its pid).
    /// The caller has made sure the process was started as a group leader; otherwise its group
    /// would be ours. False once the leader is known to have finished.
    /// </summary>
    internal bool SignalGroup(int signal)
    {
        Signals.Validate(signal);
        // kill(-1) would signal every process we may signal; a PID 1 child is its namespace's init.
        if (Pid <= 1) throw new InvalidOperationException($"Refusing to signal process group {Pid}.");
        return Pidfd is not null ? SignalGroupByPidfd(signal) : SignalGroupByPid(signal);
    }

    private bool SignalGroupByPidfd(int signal)
    {
        int status = Acquire();
        if (status == Released) throw Disposed();
        if (status == Done) return false;
        int errno;
        try
        {
            if (Sys.PidfdSendSignal(Pidfd!.Fd, signal, Sys.PIDFD_SIGNAL_PROCESS_GROUP) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINVAL)
            {
                // Kernel before 6.9. While the leader is unreaped its PID, and so the group ID,
                // cannot be handed out again, so the group is still the one it leads.
                if (Sys.Kill(-Pid, signal) == 0) return true;
                errno = Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            Pidfd!.DangerousRelease();
        }
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to process group {Pid}", errno);
    }

    private bool SignalGroupByPid(int signal)
    {
        int errno;
        lock (_sync)
        {
            if (Volatile.Read(ref _status) == Released) throw Disposed();
            if (_state is not null) return false;
            if (Sys.Kill(-Pid, signal) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
        }
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to process group {Pid}", errno);
    }
}
