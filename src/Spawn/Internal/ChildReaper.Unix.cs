using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// PID mode's replacement for the exit watcher: where pidfds cannot be used there is nothing to
/// poll for one child's exit, so one thread of Spawn's own blocks in
/// <c>waitid(P_ALL, WEXITED | WNOWAIT)</c>, which returns when any child of this process is waitable
/// without reaping it, and reaps the child if it is one Spawn started. The wake-up needs no signal
/// handler and no thread-pool thread, so async waits complete even when the pool is starved.
/// </summary>
/// <remarks>
/// <para>A waitable child that is not ours (another library's, or one a blocking Wait is about to reap)
/// stays waitable until its owner reaps it, and would be returned again at once: then this thread
/// tries each of our children directly and backs off (1 ms doubling to 50 ms) instead of spinning.
/// With SIGCHLD ignored (an inherited SIG_IGN, which .NET leaves in place) the kernel reaps children
/// itself and waitid(P_ALL) would block until the last one is gone: the thread polls ours instead.</para>
/// <para>The process has one reaper (<see cref="Shared"/>). Its two kernel questions are the protected
/// virtual methods at the end, and <see cref="Step"/> is one turn of its loop: the seam through
/// which tests play the kernel and run the reaper's races without processes.</para>
/// </remarks>
internal class ChildReaper
{
    private const int BackoffStartMilliseconds = 1;
    private const int BackoffMaxMilliseconds = 50;

    private readonly Lock _lock = new();
    private readonly HashSet<PidWaitState> _children = [];
    private readonly object _wake = new(); // with _newChild, an auto-reset event that owns nothing to dispose
    private bool _newChild;
    private Thread? _thread;

    /// <summary>The reaper of this process's children in PID mode.</summary>
    internal static ChildReaper Shared { get; } = new();

    /// <summary>The number of children tracked (started, not yet reaped).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _children.Count;
            }
        }
    }

    /// <summary>
    /// Starts the reaper thread if it is not running. Called before a child is started, so that a
    /// thread that cannot start (at the process or open-file limit) fails the start, typed, rather
    /// than leave a child nobody reaps; the next start tries again.
    /// </summary>
    internal void EnsureStarted()
    {
        if (Volatile.Read(ref _thread) is not null) return;
        lock (_lock)
        {
            if (_thread is not null) return;
            var thread = new Thread(Run) { IsBackground = true, Name = "Spawn child reaper" };
            try
            {
                thread.UnsafeStart();
            }
            catch (OutOfMemoryException)
            {
                throw SpawnException.ThreadStartFailed("Spawn's child reaper thread");
            }
            Volatile.Write(ref _thread, thread);
        }
    }

    /// <summary>Tracks a new child (after <see cref="EnsureStarted"/>); then checks it once, in case it exited before it was tracked.</summary>
    internal void Track(PidWaitState child)
    {
        lock (_lock)
        {
            _children.Add(child);
        }
        lock (_wake)
        {
            _newChild = true;
            Monitor.Pulse(_wake);
        }
        child.TryReap();
    }

    /// <summary>The child was reaped (by whoever): it is no longer this reaper's. Idempotent.</summary>
    internal void Untrack(PidWaitState child)
    {
        lock (_lock)
        {
            _children.Remove(child);
        }
    }

    private void Run()
    {
        int backoff = BackoffStartMilliseconds;
        while (true)
        {
            if (Count == 0)
            {
                WaitForNewChild(Timeout.Infinite);
                continue;
            }
            backoff = Step(backoff);
        }
    }

    /// <summary>
    /// One turn of the reaper's loop: waits for any child to become waitable and reaps it if it is
    /// ours. Returns the back-off for the next turn (<paramref name="backoff"/> doubled after a turn
    /// that reaped nothing, the start value after one that did). Returns at once when nothing is tracked.
    /// </summary>
    internal int Step(int backoff)
    {
        if (Count == 0) return backoff;
        if (ChildrenAutoReaped())
        {
            TryReapAll();
            return Backoff(backoff);
        }
        Errno errno = WaitForAnyExit(out int pid);
        if (errno == Errno.EINTR) return backoff;
        if (errno != 0)
        {
            // ECHILD: no child at all, so every tracked one was reaped by someone else; each
            // reap attempt now publishes that. Anything else: try ours directly, then retry.
            TryReapAll();
            return Backoff(backoff);
        }
        if (TryReap(pid)) return BackoffStartMilliseconds;
        TryReapAll();
        return Backoff(backoff);
    }

    /// <summary>
    /// Blocks until any child of this process is waitable, without reaping it:
    /// waitid(P_ALL, WEXITED | WNOWAIT). 0 with its PID, or the errno (ECHILD: no children at all).
    /// </summary>
    protected virtual unsafe Errno WaitForAnyExit(out int pid)
    {
        SigInfo info = default;
        int result = Sys.WaitidLibc(Sys.P_ALL, 0, &info, Sys.WEXITED | Sys.WNOWAIT);
        pid = info.Pid;
        return result < 0 ? Errno.Last() : 0;
    }

    /// <summary>True when the kernel reaps this process's children itself (SIGCHLD ignored, or SA_NOCLDWAIT).</summary>
    protected virtual bool ChildrenAutoReaped() => Sys.ChildrenAutoReaped();

    /// <summary>Waits <paramref name="milliseconds"/> (cut short by a new child) and returns the next, doubled wait.</summary>
    private int Backoff(int milliseconds)
    {
        WaitForNewChild(milliseconds);
        return Math.Min(milliseconds * 2, BackoffMaxMilliseconds);
    }

    /// <summary>Waits until a child is tracked (or <paramref name="milliseconds"/> pass), consuming the wake-up.</summary>
    private void WaitForNewChild(int milliseconds)
    {
        lock (_wake)
        {
            if (!_newChild) Monitor.Wait(_wake, milliseconds);
            _newChild = false;
        }
    }

    private PidWaitState[] Snapshot()
    {
        lock (_lock)
        {
            return _children.Count == 0 ? [] : [.. _children];
        }
    }

    /// <summary>Reaps the tracked child with this PID; false when none of ours has it, or it is still there.</summary>
    private bool TryReap(int pid)
    {
        // Found under the lock without copying the set (one exit must not cost a copy of every live
        // child); reaped outside it. Two tracked handles share a PID only when a foreign reaper freed
        // it and it was handed out again: then each is tried, as before.
        PidWaitState? first = null;
        List<PidWaitState>? more = null;
        lock (_lock)
        {
            foreach (PidWaitState child in _children)
            {
                if (child.Pid != pid) continue;
                if (first is null) first = child;
                else (more ??= []).Add(child);
            }
        }
        if (first is null) return false;
        Reap(first);
        bool reaped = first.State is not null;
        if (more is not null)
        {
            foreach (PidWaitState child in more)
            {
                Reap(child);
                reaped |= child.State is not null;
            }
        }
        return reaped;
    }

    private void TryReapAll()
    {
        foreach (PidWaitState child in Snapshot()) Reap(child);
    }

    private static void Reap(PidWaitState child)
    {
        try
        {
            child.TryReap();
        }
        catch (SpawnException)
        {
            // An unexpected wait4 error: the child stays tracked, and a blocking Wait reports it.
            // Throwing here would end the application from Spawn's own thread.
        }
    }
}
