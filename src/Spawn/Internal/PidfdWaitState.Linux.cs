using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Handle mode: every operation goes through the pidfd, under a transient reference (Go's
/// handleTransientAcquire); the exit watcher's registration holds one more. See
/// <see cref="ProcessWaitState"/> for the protocol.
/// </summary>
/// <remarks>
/// The calls a child's reap makes on the kernel and on the exit watcher are the protected virtual
/// methods at the end (<see cref="Reap"/>, <see cref="WaitExited"/>, <see cref="ExitInfo"/>,
/// <see cref="Watch"/>, <see cref="Claim"/>, <see cref="Unwatch"/>): the seam (tokio's Wait trait)
/// through which tests play the kernel and the reactor to run the take-over races without processes.
/// </remarks>
internal class PidfdWaitState : ProcessWaitState, IEpollHandler
{
    private int _blockingReaper; // 1 while a blocking Wait owns the reap
    private ulong _watchId;

    internal PidfdWaitState(int pid, bool isChild, SafePidfdHandle pidfd) : base(pid, isChild) => Pidfd = pidfd;

    /// <summary>The pidfd; its owning reference is dropped once the process is reaped or the handle disposed.</summary>
    internal SafePidfdHandle Pidfd { get; }

    /// <summary>The exit watcher's registration number (0 when not registered).</summary>
    internal ulong WatchId
    {
        get => Volatile.Read(ref _watchId);
        set => Volatile.Write(ref _watchId, value);
    }

    internal static new ProcessWaitState Find(int pid)
    {
        int fd = Sys.PidfdOpen(pid);
        if (fd >= 0)
        {
            fd = DescriptorPlacement.MoveHigh(fd);
            return new PidfdWaitState(pid, isChild: false, new SafePidfdHandle(fd)) { UniqueId = PidfsIdentity.Of(fd) };
        }
        Errno errno = Errno.Last();
        // ESRCH: no such process. EINVAL: not a process (e.g. a thread ID) or beyond pid_max.
        if (errno is Errno.ESRCH or Errno.EINVAL) return Gone(pid);
        throw SpawnException.FromErrno($"Opening a pidfd for process {pid}", errno);
    }

    /// <summary>Registers a new child with the exit watcher; without it nobody would reap the child, so it is ended now.</summary>
    internal void WatchChild(string path)
    {
        try
        {
            Watch();
        }
        catch (SpawnException e)
        {
            Signal(Signals.SIGKILL, group: false);
            Wait();
            Dispose();
            throw new ProcessStartException(path, e.ErrorCode.GetValueOrDefault(), "the child could not be added to the exit watcher, so it was killed");
        }
    }

    internal override bool Signal(int signal, bool group)
    {
        int status = Acquire();
        if (status == Released) throw Disposed();
        if (status == Done) return false;
        Errno errno;
        try
        {
            uint flags = group ? Sys.PIDFD_SIGNAL_PROCESS_GROUP : 0;
            if (Sys.PidfdSendSignal(Pidfd.Fd, signal, flags) == 0) return true;
            errno = Errno.Last();
            if (group && errno == Errno.EINVAL)
            {
                // Kernel before 6.9 has no group flag. While the leader is unreaped its PID, and so
                // the group ID, cannot be handed out again, so kill(-pgid) still names its group.
                if (Sys.Kill(-Pid, signal) == 0) return true;
                errno = Errno.Last();
            }
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
        // ESRCH: the process has been reaped; the pidfd guarantees no other process is hit.
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to {(group ? "process group" : "process")} {Pid}", errno);
    }

    internal override ProcessInfo GetInfo()
    {
        int status = Acquire();
        if (status == Released) throw Disposed();
        if (status == Done) throw PidfdInfoReader.Finished(Pid);
        try
        {
            return PidfdInfoReader.Read(Pidfd.Fd, Pid);
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
    }

    internal override TResult WithHandle<TResult>(Func<int, TResult> func)
    {
        int status = Acquire();
        if (status != Running) return base.WithHandle(func);
        try
        {
            return func(Pidfd.Fd);
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
    }

    protected override void OnReleased()
    {
        if (!IsChild)
        {
            // Nobody reaps a non-child for us: its pending waits end now, and it leaves the watcher.
            FailWaiters(Disposed());
            StopWatchingNonChild();
        }
        DropOwningReference(Pidfd);
    }

    protected override void OnDone(bool owner)
    {
        if (owner) DropOwningReference(Pidfd);
    }

    /// <summary>
    /// Takes a transient reference on the pidfd. Returns Running when taken (release it with
    /// DangerousRelease), else the status that prevented it.
    /// </summary>
    private int Acquire()
    {
        int status = Status;
        if (status != Running) return status;
        bool added = false;
        try
        {
            Pidfd.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            // Lost a race with reap or Dispose; the status says which, as it changes before the dispose.
        }
        return added ? Running : Status;
    }

    protected override void WatchNonChild()
    {
        if (Acquire() != Running) return; // finished or disposed meanwhile: both complete the waiters
        try
        {
            Watch();
            // A Dispose that ran meanwhile may have read WatchId before it was set: undo the registration.
            Interlocked.MemoryBarrier();
            if (Status == Released) StopWatchingNonChild();
        }
        catch (SpawnException e)
        {
            FailWaiters(e);
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
    }

    /// <summary>
    /// Removes a non-child's registration, if there is one and the reactor has not claimed it. Both
    /// Dispose (after it sets Released) and a registration racing it (after it set
    /// <see cref="WatchId"/>) call this, each after a full fence, so whichever comes second sees the
    /// other's write and the registration is removed exactly once.
    /// </summary>
    private void StopWatchingNonChild()
    {
        ulong id = WatchId;
        if (id != 0 && Claim(id)) Unwatch();
    }

    protected override void WaitOnce()
    {
        int status = Acquire();
        if (status == Released)
        {
            if (State is null) throw Disposed();
            return;
        }
        if (status == Done) return; // the state is published before the status changes
        bool anotherWaitReaps = false;
        try
        {
            int fd = Pidfd.Fd;
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
                Errno errno = WaitExited(fd);
                if (errno is not (0 or Errno.ECHILD)) throw SpawnException.FromErrno($"Waiting for process {Pid} (waitid)", errno);
                TryReap(fd);
            }
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
        // Done (closing the pidfd unless someone else holds it) only after our own reference is gone.
        if (State is not null) MarkDone();
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
        if (Claim(WatchId))
        {
            Unwatch(); // the registration's reference; the caller holds its own
            return true;
        }
        Volatile.Write(ref _blockingReaper, 0);
        return false;
    }

    /// <summary>
    /// Reaps with a blocking waitid (with resource usage), owning the reap alone. On an unexpected
    /// error the child goes back to the exit watcher, so it is still reaped when it exits. The caller
    /// calls <see cref="ProcessWaitState.MarkDone"/> once it has dropped its reference on the pidfd.
    /// </summary>
    private void ReapBlocking(int fd)
    {
        Errno errno = Reap(fd, block: true, out ProcessState? reaped);
        if (errno is not (0 or Errno.ECHILD))
        {
            Volatile.Write(ref _blockingReaper, 0);
            Watch();
            throw SpawnException.FromErrno($"Waiting for process {Pid} (waitid)", errno);
        }
        lock (Sync)
        {
            if (State is null)
            {
                PublishLocked(errno == 0 && reaped is not null ? reaped : ExitInfoAfterReap(fd) ?? ForeignReapUnknown());
            }
        }
    }

    /// <summary>
    /// The pidfd turned readable (the process exited). Runs on the reactor thread, whose
    /// registration holds a reference on the pidfd, so the fd is open even if the owner disposed it.
    /// </summary>
    void IEpollHandler.OnReady(ulong registration, uint events)
    {
        // A non-child that exited but is not yet reaped by its parent has no exit status yet: stay
        // registered for the EPOLLHUP the pidfd raises when it is reaped. (If re-arming fails, the
        // status is published now, as unknown, rather than never.)
        if (!IsChild && TryRearmForReap(registration, Pidfd.Fd)) return;
        if (!Claim(registration)) return; // a Dispose or a blocking Wait removed it first
        try
        {
            if (IsChild) TryReap(Pidfd.Fd);
            else PublishFromExitInfo(Pidfd.Fd);
        }
        catch (SpawnException e)
        {
            FailWaiters(e);
        }
        finally
        {
            Unwatch();
        }
        // The pidfd is out of the epoll set and the registration's reference is gone: Done drops the
        // owning one and closes it, before any waiter resumes.
        if (State is not null) MarkDone();
    }

    /// <summary>
    /// Reaps the child if it has exited: waitid(P_PIDFD, WNOHANG) with resource usage. If another
    /// component reaped it first, the status comes from the pidfd's exit info where the kernel keeps
    /// it. The caller holds a reference on the pidfd, and calls <see cref="ProcessWaitState.MarkDone"/>
    /// once it has dropped it.
    /// </summary>
    private void TryReap(int fd)
    {
        lock (Sync)
        {
            if (State is not null) return;
            Errno errno = Reap(fd, block: false, out ProcessState? reaped);
            if (errno == 0)
            {
                if (reaped is null) return; // still running (or only stopped)
                PublishLocked(reaped);
            }
            else
            {
                if (errno != Errno.ECHILD) throw SpawnException.FromErrno($"Reaping process {Pid} (waitid)", errno);
                // A blocking Wait that took the reap over got there first; it publishes the state.
                if (Volatile.Read(ref _blockingReaper) != 0) return;
                PublishLocked(ExitInfoAfterReap(fd) ?? ForeignReapUnknown());
            }
        }
    }

    /// <summary>
    /// The exit status of a child we could not reap (ECHILD). Someone reaped it, or the kernel is
    /// reaping it itself (SIGCHLD ignored): the pidfd turns readable at the exit, but the kernel keeps
    /// the status only as it releases the task a moment later, which the pidfd then shows as
    /// POLLHUP. A status missing before the release is read again after it (also when the release
    /// happened during the first read, which can then miss both the status and the task).
    /// </summary>
    private ProcessState? ExitInfoAfterReap(int fd)
    {
        ProcessState? state = ExitInfo(fd);
        if (state is null && AwaitRelease(fd)) state = ExitInfo(fd);
        return state;
    }

    /// <summary>
    /// Waits up to <see cref="ReleaseBoundMilliseconds"/> for an exited child's task to be released
    /// (POLLHUP): true once it is.
    /// </summary>
    protected virtual bool AwaitRelease(int fd) => (PollPidfd(fd, 0, ReleaseBoundMilliseconds) & Sys.POLLHUP) != 0;

    /// <summary>The release follows the exit within microseconds; the bound only guards against the unforeseen.</summary>
    private const int ReleaseBoundMilliseconds = 1000;

    private ProcessState ForeignReapUnknown() =>
        ProcessState.Unknown(Pid, ForeignReaper.Describe() + ", and this kernel keeps no exit status on the pidfd (Linux 6.15+ does)");

    /// <summary>A non-child has exited: its status is known once its parent has reaped it (Linux 6.15+). The caller then calls <see cref="ProcessWaitState.MarkDone"/>, as for <see cref="TryReap"/>.</summary>
    private void PublishFromExitInfo(int fd)
    {
        lock (Sync)
        {
            if (State is not null) return;
            PublishLocked(ExitInfo(fd)
                ?? ProcessState.Unknown(Pid, "the process is not our child and the kernel had no exit status for it (its parent had not reaped it yet, or the kernel is older than 6.15)"));
        }
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
        if (result < 0) throw SpawnException.FromErrno($"Waiting for process {Pid} (poll)", Errno.Last());
        return pollFd.REvents;
    }

    /// <summary>
    /// Reaps the child: waitid(P_PIDFD, WEXITED, with resource usage), blocking or WNOHANG. 0 with
    /// its state (null while it runs, or is only stopped), or the errno (ECHILD: not ours to reap
    /// any more). The caller holds a reference on the pidfd.
    /// </summary>
    protected virtual unsafe Errno Reap(int fd, bool block, out ProcessState? state)
    {
        SigInfo info = default;
        RUsage usage = default;
        int result;
        do
        {
            result = Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED | (block ? 0 : Sys.WNOHANG), &usage);
        }
        while (Eintr.Interrupted(result));
        if (result < 0)
        {
            state = null;
            return Errno.Last();
        }
        state = info.Pid == 0 ? null : ExitStatus.FromSigInfo(Pid, info, usage, InheritedPeakKiB);
        return 0;
    }

    /// <summary>Blocks until the child is waitable, without reaping it (WNOWAIT): 0 or the errno.</summary>
    protected virtual unsafe Errno WaitExited(int fd)
    {
        SigInfo info = default;
        int result;
        do
        {
            result = Sys.Waitid(Sys.P_PIDFD, fd, &info, Sys.WEXITED | Sys.WNOWAIT, null);
        }
        while (Eintr.Interrupted(result));
        return result < 0 ? Errno.Last() : 0;
    }

    /// <summary>The exit status the kernel keeps on a reaped process's pidfd (Linux 6.15+), or null.</summary>
    protected virtual ProcessState? ExitInfo(int fd) => ExitStatus.FromPidfdExitInfo(Pid, fd);

    /// <summary>Registers with the exit watcher (sets <see cref="WatchId"/>); the caller holds a reference on the pidfd.</summary>
    protected virtual void Watch() => ExitWatcher.Register(this, Pidfd);

    /// <summary>Ends registration <paramref name="id"/>; true for the one caller that did, which must then <see cref="Unwatch"/>.</summary>
    protected virtual bool Claim(ulong id) => ExitWatcher.Claim(id);

    /// <summary>Removes the claimed registration from the epoll set and drops its reference on the pidfd.</summary>
    protected virtual void Unwatch() => ExitWatcher.Release(Pidfd);
}
