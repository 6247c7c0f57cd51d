using System.Runtime.InteropServices;
using Spawn.Internal;
using Spawn.Interop;

namespace Spawn;

// Handle mode: every operation goes through the pidfd, under a transient reference.
public sealed partial class ProcessHandle
{
    private static ProcessHandle FindByPidfd(int pid)
    {
        int fd = Sys.PidfdOpen(pid);
        if (fd >= 0) return new ProcessHandle(pid, isChild: false, new SafePidfdHandle(DescriptorPlacement.MoveHigh(fd)));
        int errno = Marshal.GetLastPInvokeError();
        // ESRCH: no such process. EINVAL: not a process (e.g. a thread ID) or beyond pid_max.
        if (errno is Errno.ESRCH or Errno.EINVAL) return Gone(pid);
        throw SpawnException.FromErrno($"Opening a pidfd for process {pid}", errno);
    }

    /// <summary>
    /// Signals through the pidfd under a transient reference: the process, or with
    /// <paramref name="group"/> the process group it leads. False once it is known to be reaped.
    /// </summary>
    private bool SignalByPidfd(int signal, bool group = false)
    {
        int status = Acquire();
        if (status == Released) throw Disposed();
        if (status == Done) return false;
        int errno;
        try
        {
            uint flags = group ? Sys.PIDFD_SIGNAL_PROCESS_GROUP : 0;
            if (Sys.PidfdSendSignal(Pidfd!.Fd, signal, flags) == 0) return true;
            errno = Marshal.GetLastPInvokeError();
            if (group && errno == Errno.EINVAL)
            {
                // Kernel before 6.9 has no group flag. While the leader is unreaped its PID, and so
                // the group ID, cannot be handed out again, so kill(-pgid) still names its group.
                if (Sys.Kill(-Pid, signal) == 0) return true;
                errno = Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            Pidfd!.DangerousRelease();
        }
        // ESRCH: the process has been reaped; the pidfd guarantees no other process is hit.
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to {(group ? "process group" : "process")} {Pid}", errno);
    }

    /// <summary>One round of a blocking wait in handle mode; the caller loops until the state is known.</summary>
    private unsafe void WaitByPidfd()
    {
        int status = Acquire();
        if (status == Released)
        {
            if (_state is null) throw Disposed();
            return;
        }
        if (status == Done) return; // the state is published before the status changes
        bool anotherWaitReaps = false;
        try
        {
            int fd = Pidfd!.Fd;
            if (!IsChild)
            {
                PollPidfd(fd, Sys.POLLIN, -1);
                // Exited; its status appears once its parent reaps it, which raises POLLHUP.
                if (NonChildAwaitsReap(fd)) PollPidfd(fd, 0, -1);
                PublishFromExitInfo(fd);
            }
            else if (TakeReapFromWatcher())
            {
                ReapBlocking(fd);
            }
            else if (Volatile.Read(ref _blockingReaper) != 0)
            {
                anotherWaitReaps = true;
            }
            else
            {
                // The exit watcher owns the reap: wait without reaping, then reap under the lock, so
                // exactly one of us reaps, and an ECHILD here can only mean a foreign reaper.
                SigInfo info = default;
                int result;
                do
                {
                    result = Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED | Sys.WNOWAIT, null);
                }
                while (Eintr.Interrupted(result));
                if (result < 0 && Marshal.GetLastPInvokeError() is int errno && errno != Errno.ECHILD)
                {
                    throw SpawnException.FromErrno($"Waiting for process {Pid} (waitid)", errno);
                }
                TryReap(fd);
            }
        }
        finally
        {
            Pidfd!.DangerousRelease();
        }
        // Another blocking Wait owns the reap and publishes the state; wait for that, not the kernel
        // (once it has reaped, the kernel no longer knows the child).
        if (anotherWaitReaps) WaitForPublishedState();
    }

    /// <summary>
    /// A blocking Wait takes the reap over from the exit watcher when it gets there before the exit:
    /// it then reaps with one blocking waitid as the child exits, and the reactor thread neither wakes
    /// for this child nor contends for its lock. False when the watcher already owns the exit (it
    /// claimed the registration), when the child was never registered, or another Wait took it.
    /// </summary>
    private bool TakeReapFromWatcher()
    {
        if (Interlocked.CompareExchange(ref _blockingReaper, 1, 0) != 0) return false;
        if (ExitWatcher.Claim(WatchId))
        {
            ExitWatcher.Release(Pidfd!); // the registration's reference; the caller holds its own
            return true;
        }
        Volatile.Write(ref _blockingReaper, 0);
        return false;
    }

    /// <summary>
    /// Reaps with a blocking waitid (with resource usage), owning the reap alone. On an unexpected
    /// error the child goes back to the exit watcher, so it is still reaped when it exits.
    /// </summary>
    private unsafe void ReapBlocking(int fd)
    {
        SigInfo info = default;
        RUsage usage = default;
        int result;
        do
        {
            result = Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED, &usage);
        }
        while (Eintr.Interrupted(result));
        int errno = result < 0 ? Marshal.GetLastPInvokeError() : 0;

        if (result < 0 && errno != Errno.ECHILD)
        {
            Volatile.Write(ref _blockingReaper, 0);
            ExitWatcher.Register(this, Pidfd!);
            throw SpawnException.FromErrno($"Waiting for process {Pid} (waitid)", errno);
        }
        lock (_sync)
        {
            if (_state is null)
            {
                PublishLocked(result == 0
                    ? ExitStatus.FromSigInfo(Pid, info, usage)
                    : ExitStatus.FromPidfdExitInfo(Pid, fd) ?? ForeignReapUnknown());
            }
        }
        MarkDone();
    }

    /// <summary>Blocks until another caller publishes the state (or the handle is disposed first).</summary>
    private void WaitForPublishedState()
    {
        Task<ProcessState> published;
        lock (_sync)
        {
            if (_state is not null) return;
            _exited ??= new TaskCompletionSource<ProcessState>(TaskCreationOptions.RunContinuationsAsynchronously);
            published = _exited.Task;
        }
        published.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The pidfd turned readable (the process exited). Runs on the reactor thread, whose
    /// registration holds a reference on the pidfd, so the fd is open even if the owner disposed it.
    /// </summary>
    void IEpollHandler.OnReady(ulong registration, uint events)
    {
        SafePidfdHandle pidfd = Pidfd!;
        // A non-child that exited but is not yet reaped by its parent has no exit status yet: stay
        // registered for the EPOLLHUP the pidfd raises when it is reaped. (If re-arming fails, the
        // status is published now, as unknown, rather than never.)
        if (!IsChild && TryRearmForReap(registration, pidfd.Fd)) return;
        if (!ExitWatcher.Claim(registration)) return; // a Dispose removed it first
        try
        {
            if (IsChild) TryReap(pidfd.Fd);
            else PublishFromExitInfo(pidfd.Fd);
        }
        catch (SpawnException e)
        {
            lock (_sync)
            {
                _exited?.TrySetException(e);
            }
        }
        finally
        {
            ExitWatcher.Release(pidfd);
        }
    }

    /// <summary>
    /// Reaps the child if it has exited: waitid(P_PIDFD, WNOHANG) with resource usage. If another
    /// component reaped it first, the status comes from the pidfd's exit info where the kernel keeps
    /// it. The caller holds a reference on the pidfd.
    /// </summary>
    private unsafe void TryReap(int fd)
    {
        lock (_sync)
        {
            if (_state is not null) return;
            SigInfo info = default;
            RUsage usage = default;
            int result;
            do
            {
                result = Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED | Sys.WNOHANG, &usage);
            }
            while (Eintr.Interrupted(result));

            if (result == 0)
            {
                if (info.Pid == 0) return; // still running (or only stopped)
                PublishLocked(ExitStatus.FromSigInfo(Pid, info, usage));
            }
            else
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.ECHILD) throw SpawnException.FromErrno($"Reaping process {Pid} (waitid)", errno);
                // A blocking Wait that took the reap over got there first; it publishes the state.
                if (Volatile.Read(ref _blockingReaper) != 0) return;
                PublishLocked(ExitStatus.FromPidfdExitInfo(Pid, fd) ?? ForeignReapUnknown());
            }
        }
        MarkDone();
    }

    private ProcessState ForeignReapUnknown() =>
        ProcessState.Unknown(Pid, ForeignReaper.Describe() + ", and this kernel keeps no exit status on the pidfd (Linux 6.15+ does)");

    /// <summary>A non-child has exited: its status is known once its parent has reaped it (Linux 6.15+).</summary>
    private void PublishFromExitInfo(int fd)
    {
        lock (_sync)
        {
            if (_state is not null) return;
            PublishLocked(ExitStatus.FromPidfdExitInfo(Pid, fd)
                ?? ProcessState.Unknown(Pid, "the process is not our child and the kernel had no exit status for it (its parent had not reaped it yet, or the kernel is older than 6.15)"));
        }
        MarkDone();
    }

    private bool TryRearmForReap(ulong registration, int fd)
    {
        try
        {
            if (!NonChildAwaitsReap(fd)) return false;
            EpollReactor.Rearm(registration, fd, Sys.EPOLLONESHOT);
            return true;
        }
        catch (SpawnException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when an exited non-child has not been reaped yet on a kernel that will then keep its
    /// exit status: PIDFD_GET_INFO works (6.13+), has no status yet, and the pidfd shows no POLLHUP
    /// (raised at reap). A kernel without PIDFD_GET_INFO, or a reaped process without a status,
    /// means the status will never come.
    /// </summary>
    private unsafe bool NonChildAwaitsReap(int fd)
    {
        PidfdInfo info = default;
        info.Mask = PidfdInfo.PIDFD_INFO_EXIT;
        if (Sys.Ioctl(fd, PidfdInfo.PIDFD_GET_INFO, &info) != 0) return false;
        if ((info.Mask & PidfdInfo.PIDFD_INFO_EXIT) != 0) return false;
        return (PollPidfd(fd, 0, 0) & Sys.POLLHUP) == 0;
    }

    /// <summary>poll(2) on the pidfd for <paramref name="events"/> (POLLHUP is always reported); returns revents.</summary>
    private unsafe short PollPidfd(int fd, short events, int timeoutMilliseconds)
    {
        var pollFd = new Sys.PollFd { Fd = fd, Events = events };
        int result;
        do
        {
            result = Sys.Poll(&pollFd, 1, timeoutMilliseconds);
        }
        while (Eintr.Interrupted(result));
        if (result < 0) throw SpawnException.FromErrno($"Waiting for process {Pid} (poll)", Marshal.GetLastPInvokeError());
        return pollFd.REvents;
    }
}
