using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// PID mode: no pidfd. Signals and reaps of a child are serialized under the lock, so no signal
/// from this process can reach the PID once Spawn has reaped it. The child is reaped by
/// <see cref="ChildReaper"/>'s thread, or by a blocking Wait; see <see cref="ProcessWaitState"/>.
/// Also the state of a process already known to have finished, in either mode.
/// </summary>
internal sealed class PidWaitState : ProcessWaitState
{
    private const int PollStartMilliseconds = 1;
    private const int PollMaxMilliseconds = 50;

    internal PidWaitState(int pid, bool isChild) : base(pid, isChild)
    {
    }

    internal PidWaitState(ProcessState finished, bool isChild) : base(finished, isChild)
    {
    }

    internal static new ProcessWaitState Find(int pid) =>
        Sys.Kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == Errno.EPERM ? new PidWaitState(pid, isChild: false) : Gone(pid);

    /// <summary>Signals by number (the process, or with <paramref name="group"/> its group), serialized with the reap.</summary>
    internal override bool Signal(int signal, bool group)
    {
        int errno;
        lock (Sync)
        {
            if (Status == Released) throw Disposed();
            if (State is not null) return false;
            if (Sys.Kill(group ? -Pid : Pid, signal) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
        }
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to {(group ? "process group" : "process")} {Pid}", errno);
    }

    protected override unsafe void WaitOnce()
    {
        if (Status == Released && State is null) throw Disposed();
        if (!IsChild)
        {
            // A non-child cannot be waited for by PID without polling: this is what pidfds fix.
            int delay = PollStartMilliseconds;
            while (IsAlive())
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
        TryReap();
    }

    /// <summary>Reaps the child by PID if it has exited (wait4 with WNOHANG and resource usage).</summary>
    internal unsafe void TryReap()
    {
        lock (Sync)
        {
            if (State is not null) return;
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
                PublishLocked(ExitStatus.FromWaitStatus(Pid, status, usage, InheritedPeakKiB));
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

    protected override void OnDone(bool owner)
    {
        if (IsChild) ChildReaper.Untrack(this);
    }

    protected override void WatchNonChild() => _ = PollUntilGoneAsync();

    private bool IsAlive() => Sys.Kill(Pid, 0) == 0 || Marshal.GetLastPInvokeError() == Errno.EPERM;

    private async Task PollUntilGoneAsync()
    {
        int delay = PollStartMilliseconds;
        while (IsAlive())
        {
            if (Status == Released)
            {
                lock (Sync)
                {
                    FailWaitersLocked(Disposed());
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
        lock (Sync)
        {
            if (State is not null) return;
            PublishLocked(ProcessState.Unknown(Pid, "the process is not our child, and PID mode has no pidfd to ask for its status"));
        }
        MarkDone();
    }
}
