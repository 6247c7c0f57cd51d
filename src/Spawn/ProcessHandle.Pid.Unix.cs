using System.Runtime.InteropServices;
using Spawn.Internal;
using Spawn.Interop;

namespace Spawn;

// PID mode: no pidfd. Signals and reaps of a child are serialized under _sync, so no signal from
// this process can reach the PID once Spawn has reaped it (the seed's sigMu).
public sealed partial class ProcessHandle
{
    private const int PollStartMilliseconds = 1;
    private const int PollMaxMilliseconds = 50;

    private static ProcessHandle FindByPid(int pid)
    {
        if (Sys.Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == Errno.EPERM)
        {
            return new ProcessHandle(pid, isChild: false, pidfd: null);
        }
        return Gone(pid);
    }

    /// <summary>Signals by number (the process, or with <paramref name="group"/> its group), serialized with the reap.</summary>
    private bool SignalByPid(int signal, bool group = false)
    {
        int errno;
        lock (_sync)
        {
            if (Volatile.Read(ref _status) == Released) throw Disposed();
            if (_state is not null) return false;
            if (Sys.Kill(group ? -Pid : Pid, signal) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
        }
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to {(group ? "process group" : "process")} {Pid}", errno);
    }

    /// <summary>One round of a blocking wait in PID mode; the caller loops until the state is known.</summary>
    private unsafe void WaitByPid()
    {
        if (Volatile.Read(ref _status) == Released && _state is null) throw Disposed();
        if (!IsChild)
        {
            // A non-child cannot be waited for by PID without polling: this is what pidfds fix.
            int delay = PollStartMilliseconds;
            while (IsAliveByPid())
            {
                Thread.Sleep(delay);
                delay = Math.Min(delay * 2, PollMaxMilliseconds);
            }
            PublishNonChildGone();
            return;
        }
        SigInfo info = default;
        int result;
        do
        {
            result = Sys.WaitidLibc(Sys.P_PID, Pid, &info, Sys.WEXITED | Sys.WNOWAIT);
        }
        while (Eintr.Interrupted(result));
        if (result < 0 && Marshal.GetLastPInvokeError() is int errno && errno != Errno.ECHILD)
        {
            throw SpawnException.FromErrno($"Waiting for process {Pid} (waitid)", errno);
        }
        TryReapByPid();
    }

    /// <summary>Reaps the child by PID if it has exited (wait4 with WNOHANG and resource usage).</summary>
    internal unsafe void TryReapByPid()
    {
        lock (_sync)
        {
            if (_state is not null) return;
            int status = 0;
            RUsage usage = default;
            int result;
            do
            {
                result = Sys.Wait4(Pid, &status, Sys.WNOHANG, &usage);
            }
            while (Eintr.Interrupted(result));

            if (result == 0) return;
            if (result > 0)
            {
                PublishLocked(ExitStatus.FromWaitStatus(Pid, status, usage));
            }
            else
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.ECHILD) throw SpawnException.FromErrno($"Reaping process {Pid} (wait4)", errno);
                PublishLocked(ProcessState.Unknown(Pid, ForeignReaper.Describe() + ", and PID mode has no pidfd to ask for its status"));
            }
        }
        MarkDone();
    }

    private bool IsAliveByPid() => Sys.Kill(Pid, 0) == 0 || Marshal.GetLastPInvokeError() == Errno.EPERM;

    private async Task PollUntilGoneAsync()
    {
        int delay = PollStartMilliseconds;
        while (IsAliveByPid())
        {
            if (Volatile.Read(ref _status) == Released)
            {
                lock (_sync)
                {
                    _exited?.TrySetException(Disposed());
                }
                return;
            }
            await Task.Delay(delay).ConfigureAwait(false);
            delay = Math.Min(delay * 2, PollMaxMilliseconds);
        }
        PublishNonChildGone();
    }

    private void PublishNonChildGone()
    {
        lock (_sync)
        {
            if (_state is not null) return;
            PublishLocked(ProcessState.Unknown(Pid, "the process is not our child, and PID mode has no pidfd to ask for its status"));
        }
        MarkDone();
    }
}
