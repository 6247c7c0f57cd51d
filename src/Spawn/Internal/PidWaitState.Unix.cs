using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// PID mode: no pidfd. Signals and reaps of a child are serialized under the lock, so no signal
/// from this process can reach the PID once Spawn has reaped it. The child is reaped by its
/// <see cref="ChildReaper"/>'s thread, or by a blocking Wait; see <see cref="ProcessWaitState"/>.
/// Also the state of a process already known to have finished, in either mode.
/// </summary>
/// <remarks>
/// The kernel calls a child's reap makes are the protected virtual methods at the end
/// (<see cref="Reap"/>, <see cref="WaitExited"/>): with <see cref="ChildReaper"/>'s own, the seam
/// through which tests play the kernel to run the reaper's races without processes.
/// </remarks>
internal class PidWaitState : ProcessWaitState
{
    private const int PollStartMilliseconds = 1;
    private const int PollMaxMilliseconds = 50;

    private readonly ChildReaper? _reaper;

    /// <summary>
    /// A running process; a child is tracked by <paramref name="reaper"/> (once the caller has
    /// called its Track) and leaves it when reaped. A child without a reaper is reaped only by a
    /// blocking Wait.
    /// </summary>
    internal PidWaitState(int pid, bool isChild, ChildReaper? reaper = null) : base(pid, isChild) => _reaper = reaper;

    internal PidWaitState(ProcessState finished, bool isChild) : base(finished, isChild)
    {
    }

    internal static new ProcessWaitState Find(int pid) =>
        Sys.Kill(pid, 0) == 0 || Errno.Last() == Errno.EPERM
            ? new PidWaitState(pid, isChild: false) { UniqueId = PidfsIdentity.OfPid(pid) }
            : Gone(pid);

    /// <summary>
    /// PID mode has no pidfd of its own: one is opened for the call. A child cannot be reaped while
    /// the lock is held, so its PID names it; a non-child's is checked against its unique ID, where
    /// the kernel has one, so a process that reused the PID is never described in its place.
    /// </summary>
    internal override ProcessInfo GetInfo()
    {
        lock (Sync)
        {
            if (Status == Released) throw Disposed();
            if (State is not null) throw PidfdInfoReader.Finished(Pid);
            int fd = Sys.PidfdOpen(Pid);
            if (fd < 0)
            {
                Errno errno = Errno.Last();
                if (errno == Errno.ESRCH) throw PidfdInfoReader.Finished(Pid);
                throw new PlatformNotSupportedException($"Describing process {Pid} needs a pidfd, and none can be opened here (pidfd_open: {errno.Describe()}).");
            }
            try
            {
                if (UniqueId is ulong expected && PidfsIdentity.Of(fd) != expected) throw PidfdInfoReader.Finished(Pid);
                return PidfdInfoReader.Read(fd, Pid);
            }
            finally
            {
                Sys.Close(fd);
            }
        }
    }

    /// <summary>Signals by number (the process, or with <paramref name="group"/> its group), serialized with the reap.</summary>
    internal override bool Signal(int signal, bool group)
    {
        Errno errno;
        lock (Sync)
        {
            if (Status == Released) throw Disposed();
            if (State is not null) return false;
            if (Sys.Kill(group ? -Pid : Pid, signal) == 0) return true;
            errno = Errno.Last();
        }
        if (errno == Errno.ESRCH) return false;
        throw SpawnException.FromErrno($"Sending signal {Signals.Name(signal)} to {(group ? "process group" : "process")} {Pid}", errno);
    }

    protected override void WaitOnce()
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
        Errno errno = WaitExited();
        if (errno is not (0 or Errno.ECHILD)) throw SpawnException.FromErrno($"Waiting for process {Pid} (waitid)", errno);
        TryReap();
    }

    /// <summary>
    /// Reaps the child if it has exited, under the lock. A child another component reaped first
    /// (ECHILD) gets an unknown state that says so: without a pidfd nothing of its status is left.
    /// </summary>
    internal void TryReap()
    {
        lock (Sync)
        {
            if (State is not null) return;
            Errno errno = Reap(out ProcessState? reaped);
            if (errno == 0)
            {
                if (reaped is null) return; // still running (or only stopped)
                PublishLocked(reaped);
            }
            else
            {
                if (errno != Errno.ECHILD) throw SpawnException.FromErrno($"Reaping process {Pid} (wait4)", errno);
                PublishLocked(ProcessState.Unknown(Pid, ForeignReaper.Describe() + ", and PID mode has no pidfd to ask for its status"));
            }
        }
        MarkDone();
    }

    /// <summary>
    /// Blocks until the state is known or <paramref name="deadline"/> passes. A blocking wait with a
    /// deadline cannot block in the kernel, so it also tries the reap itself between slices rather
    /// than rely on the reaper thread's timing (which backs off while foreign children are waitable).
    /// </summary>
    internal override bool WaitUntil(long deadline)
    {
        Task<ProcessState> exited = WaitAsync(CancellationToken.None);
        while (true)
        {
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0) return State is not null;
            if (Completed(exited, (int)Math.Min(remaining, PollMaxMilliseconds))) return true;
            if (IsChild)
            {
                TryReap();
                if (State is not null) return true;
            }
        }
    }

    protected override void OnDone(bool owner) => _reaper?.Untrack(this);

    protected override void WatchNonChild() => _ = PollUntilGoneAsync();

    private bool IsAlive() => Sys.Kill(Pid, 0) == 0 || Errno.Last() == Errno.EPERM;

    private async Task PollUntilGoneAsync()
    {
        int delay = PollStartMilliseconds;
        while (IsAlive())
        {
            if (Status == Released)
            {
                FailWaiters(Disposed());
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

    /// <summary>
    /// Reaps the child if it has exited: wait4(pid, WNOHANG) with resource usage. 0 with its state
    /// (null while it runs, or is only stopped), or the errno (ECHILD: not ours to reap any more).
    /// </summary>
    protected virtual unsafe Errno Reap(out ProcessState? state)
    {
        int status = 0;
        RUsage usage = default;
        int result;
        do
        {
            result = Sys.Wait4(Pid, &status, Sys.WNOHANG, &usage);
        }
        while (Eintr.Interrupted(result));
        state = result > 0 ? ExitStatus.FromWaitStatus(Pid, status, usage, InheritedPeakKiB) : null;
        return result < 0 ? Errno.Last() : 0;
    }

    /// <summary>Blocks until the child is waitable, without reaping it (waitid WNOWAIT): 0 or the errno.</summary>
    protected virtual unsafe Errno WaitExited()
    {
        SigInfo info = default;
        int result;
        do
        {
            result = Sys.WaitidLibc(Sys.P_PID, Pid, &info, Sys.WEXITED | Sys.WNOWAIT);
        }
        while (Eintr.Interrupted(result));
        return result < 0 ? Errno.Last() : 0;
    }
}
