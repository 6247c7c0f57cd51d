using Spawn.Internal;

namespace Spawn;

// Cancellation and timeouts: the cancel signal, SIGKILL after the grace period, and nothing of the
// command left running afterwards.
//
// Without a process tree (cgroup), what the command started is found by walking its descendants
// (Internal/Descendants.Linux.cs) while each is stopped, and every one of them gets the signals the
// child gets: the cancel signal, then SIGKILL after the grace period. When the child exits after
// a cancellation, whatever the walk found still running is killed: the command is over. Nobody
// changes process group for this. What a walk cannot reach, a process whose parent exited before
// it (a double-forked daemon), escapes; a process tree holds even that.
public sealed partial class ChildProcess
{
    private const int NotCanceled = 0;
    private const int Canceled = 1;
    private const int TimedOut = 2;

    private readonly long _startTick;
    private readonly CancellationTokenSource? _timeout;
    private CancellationTokenRegistration _cancelRegistration;
    private CancellationTokenRegistration _timeoutRegistration;
    private readonly CancellationToken _cancellationToken;
    private int _cancelReason;
    private long _killDeadline = long.MaxValue;
    private int _killSent;
    private Descendants? _descendants;
    private readonly JobObject? _job;

    /// <summary>Cancellation or timeout (the first wins): the cancel signal now, SIGKILL after the grace period.</summary>
    private void BeginCancel(int reason)
    {
        if (Interlocked.CompareExchange(ref _cancelReason, reason, NotCanceled) != NotCanceled) return;
        Volatile.Write(ref _killDeadline, Environment.TickCount64 + (long)Command.GracePeriod.TotalMilliseconds);
        if (Volatile.Read(ref _exitHandled) != 0)
        {
            // The child has exited, but the caller's pipes are still held (by a descendant that
            // was re-parented away when the child exited): the call ends all the same.
            if (!PumpsDone) BoundPipes(Command.WaitDelay ?? DefaultCancelWaitDelay);
            return;
        }
        _ = EndProcessAsync();
    }

    private async Task EndProcessAsync()
    {
        try
        {
            SignalForCancel(Command.CancelSignal);
            if (Command.GracePeriod > TimeSpan.Zero)
            {
                using var grace = new CancellationTokenSource(Command.GracePeriod);
                try
                {
                    await Handle.WaitAsync(grace.Token).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException)
                {
                    // The grace period is over.
                }
            }
            KillForCancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: disposal kills the child itself.
        }
    }

    /// <summary>SIGKILL at the end of the grace period, once, by whichever of the timer and a blocking wait gets there first.</summary>
    private void KillForCancel()
    {
        if (Interlocked.Exchange(ref _killSent, 1) == 0) SignalForCancel(Signals.SIGKILL);
    }

    /// <summary>The next moment a blocking wait must act (Environment.TickCount64), or long.MaxValue for none.</summary>
    private long NextCancelDeadline()
    {
        if (Volatile.Read(ref _cancelReason) != NotCanceled)
        {
            return Volatile.Read(ref _killSent) == 0 ? Volatile.Read(ref _killDeadline) : long.MaxValue;
        }
        long next = Command.Timeout is { } timeout ? _startTick + (long)timeout.TotalMilliseconds : long.MaxValue;
        // A token's cancellation arrives through its callback on the cancelling thread; the grace
        // period that follows is for this wait to enforce, so it looks again now and then.
        if (_cancellationToken.CanBeCanceled) next = Math.Min(next, Environment.TickCount64 + BlockingSliceMilliseconds);
        return next;
    }

    /// <summary>For a blocking wait: what the timers would do, done on this thread (with the thread pool starved they cannot).</summary>
    private void EnforceCancelDeadlines()
    {
        long now = Environment.TickCount64;
        if (Volatile.Read(ref _cancelReason) == NotCanceled)
        {
            if (Command.Timeout is { } timeout && now >= _startTick + (long)timeout.TotalMilliseconds) BeginCancel(TimedOut);
        }
        else if (now >= Volatile.Read(ref _killDeadline))
        {
            KillForCancel();
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the command: to its tree when it has one; else to the child
    /// (to its group when it has one) and to every descendant found by a walk, all stopped while
    /// they are found and continued afterwards.
    /// </summary>
    private void SignalForCancel(int signal)
    {
        if (OperatingSystem.IsWindows() && (Tree is not null || _job is not null))
        {
            // No signal asks a process to end on Windows: whatever the cancel signal, the tree or
            // job ends. The child first, through its handle, so its state says it was killed.
            lock (EndLock)
            {
                Handle.Kill();
                if (Tree is not null) Tree.Kill();
                else _job!.Terminate();
            }
            return;
        }
        if (Tree is not null)
        {
            if (signal == Signals.SIGKILL) Tree.Kill();
            else Tree.Signal(signal);
            return;
        }
        bool group = StartedOwnGroup;
        lock (EndLock)
        {
            // False once it has exited: its children are gone from it, and in PID mode its PID
            // may name another process; then only what earlier walks found is followed.
            bool stopped = Handle.Signal(Signals.SIGSTOP);
            if (stopped) _descendants ??= new Descendants(Pid, (_wait as PidfdWaitState)?.Pidfd);
            _descendants?.StopAll(fromRoot: stopped);
            if (group) _wait.SignalGroup(signal);
            else Handle.Signal(signal);
            if (signal == Signals.SIGKILL)
            {
                _descendants?.KillAll(fromRoot: false);
                return;
            }
            _descendants?.SignalAll(signal);
            _descendants?.SignalAll(Signals.SIGCONT);
            if (stopped) Handle.Signal(Signals.SIGCONT);
        }
    }

    /// <summary>After the exit of a cancelled child: what the walks found still running is killed.</summary>
    private void KillDescendants()
    {
        lock (EndLock)
        {
            _descendants?.KillAll(fromRoot: false);
        }
    }

    private void ReleaseCancellation()
    {
        _cancelRegistration.Unregister();
        _timeoutRegistration.Unregister();
        _timeout?.Dispose();
        lock (EndLock)
        {
            _cutTimer?.Dispose();
            _cutTimer = null;
            _descendants?.Dispose();
            _descendants = null; // a later SignalAll must not use it
            _job?.Dispose();
        }
    }
}
