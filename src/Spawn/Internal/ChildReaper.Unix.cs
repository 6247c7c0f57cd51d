using System.Runtime.InteropServices;
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
/// A waitable child that is not ours (another library's, or one a blocking Wait is about to reap)
/// stays waitable until its owner reaps it, and would be returned again at once: then this thread
/// tries each of our children directly and backs off (1 ms doubling to 50 ms) instead of spinning.
/// With SIGCHLD ignored (an inherited SIG_IGN, which .NET leaves in place) the kernel reaps children
/// itself and waitid(P_ALL) would block until the last one is gone: the thread polls ours instead.
/// </remarks>
internal static unsafe class ChildReaper
{
    private const int BackoffStartMilliseconds = 1;
    private const int BackoffMaxMilliseconds = 50;

    private static readonly Lock s_lock = new();
    private static readonly HashSet<PidWaitState> s_children = [];
    private static readonly AutoResetEvent s_tracked = new(false);
    private static Thread? s_thread;

    /// <summary>
    /// Starts the reaper thread if it is not running. Called before a child is started, so that a
    /// thread that cannot start (at the process or open-file limit) fails the start, typed, rather
    /// than leave a child nobody reaps; the next start tries again.
    /// </summary>
    internal static void EnsureStarted()
    {
        if (Volatile.Read(ref s_thread) is not null) return;
        lock (s_lock)
        {
            if (s_thread is not null) return;
            var thread = new Thread(Run) { IsBackground = true, Name = "Spawn child reaper" };
            try
            {
                thread.UnsafeStart();
            }
            catch (OutOfMemoryException)
            {
                throw SpawnException.ThreadStartFailed("Spawn's child reaper thread");
            }
            Volatile.Write(ref s_thread, thread);
        }
    }

    /// <summary>Tracks a new child (after <see cref="EnsureStarted"/>); then checks it once, in case it exited before it was tracked.</summary>
    internal static void Track(PidWaitState child)
    {
        lock (s_lock)
        {
            s_children.Add(child);
        }
        s_tracked.Set();
        child.TryReap();
    }

    internal static void Untrack(PidWaitState child)
    {
        lock (s_lock)
        {
            s_children.Remove(child);
        }
    }

    private static void Run()
    {
        int backoff = BackoffStartMilliseconds;
        while (true)
        {
            if (!HasChildren())
            {
                s_tracked.WaitOne();
                continue;
            }
            if (Sys.ChildrenAutoReaped())
            {
                TryReapAll();
                backoff = Backoff(backoff);
                continue;
            }
            SigInfo info = default;
            int result = Sys.WaitidLibc(Sys.P_ALL, 0, &info, Sys.WEXITED | Sys.WNOWAIT);
            if (Eintr.Interrupted(result)) continue;
            if (result < 0)
            {
                // ECHILD: no child at all, so every tracked one was reaped by someone else; each
                // reap attempt now publishes that. Anything else: try ours directly, then retry.
                TryReapAll();
                backoff = Backoff(backoff);
                continue;
            }
            if (TryReap(info.Pid))
            {
                backoff = BackoffStartMilliseconds;
                continue;
            }
            TryReapAll();
            backoff = Backoff(backoff);
        }
    }

    /// <summary>Waits <paramref name="milliseconds"/> (cut short by a new child) and returns the next, doubled wait.</summary>
    private static int Backoff(int milliseconds)
    {
        s_tracked.WaitOne(milliseconds);
        return Math.Min(milliseconds * 2, BackoffMaxMilliseconds);
    }

    private static bool HasChildren()
    {
        lock (s_lock)
        {
            return s_children.Count != 0;
        }
    }

    private static PidWaitState[] Snapshot()
    {
        lock (s_lock)
        {
            return s_children.Count == 0 ? [] : [.. s_children];
        }
    }

    /// <summary>Reaps the tracked child with this PID; false when none of ours has it, or it is still there.</summary>
    private static bool TryReap(int pid)
    {
        // Found under the lock without copying the set (one exit must not cost a copy of every live
        // child); reaped outside it. Two tracked handles share a PID only when a foreign reaper freed
        // it and it was handed out again: then each is tried, as before.
        PidWaitState? first = null;
        List<PidWaitState>? more = null;
        lock (s_lock)
        {
            foreach (PidWaitState child in s_children)
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

    private static void TryReapAll()
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
