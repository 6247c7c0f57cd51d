using System.Globalization;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The processes descended from one child of ours (its background jobs, a make's compilers, ...),
/// found and signalled so that a PID handed out again meanwhile is never hit, without moving any
/// of them to another process group (a child outside the terminal's foreground group stops on
/// SIGTTIN when it reads the terminal).
/// </summary>
/// <remarks>
/// <para>
/// The walk: a parent is stopped (SIGSTOP) before its children are listed
/// (<c>/proc/PID/task/*/children</c>), and waited for until every thread of it shows the stopped
/// state; a fork that was under way is then complete and listed, and no new one can start. A
/// stopped parent cannot reap, so each listed child's PID still names that child. Its pidfd is
/// opened, and the process behind the pidfd is confirmed to be the parent's child (its parent PID,
/// from PIDFD_GET_INFO on 6.13+, else from <c>/proc/PID/stat</c> read while the pidfd pins it) while
/// the parent is confirmed still alive through its own pidfd. The child is stopped in turn, and its
/// own children are walked. From then on every signal goes through the pidfd.
/// </para>
/// <para>
/// The owner stops the root child itself (through its <see cref="ProcessHandle"/>, which orders
/// signals with the reap) before calling <see cref="StopAll"/>, walks from it only when that stop
/// reached it, signals it, and continues what it stopped (<see cref="SignalAll"/> with SIGCONT)
/// unless it killed it.
/// </para>
/// <para>
/// What escapes: a process whose parent exits before the walk reaches it is re-parented away
/// (to init or a subreaper) and is no longer anyone's descendant here: a daemon that double-forks,
/// or a background job of a command that had already ended. A cgroup (<c>ProcessTree</c>) holds
/// even those. Processes found once are followed through their pidfds after their parent dies.
/// </para>
/// <para>
/// PID mode (no pidfds): the same walk by PID, each process identified by its PID and its start
/// time. A signal is sent by number after the start time was checked again, so a small window
/// remains in which a process that exited and was reaped meanwhile could have its PID reused.
/// </para>
/// </remarks>
internal sealed class Descendants : IDisposable
{
    /// <summary>How long one walk waits, in all, for the processes it stopped to be seen stopped.</summary>
    private const int StopWaitMilliseconds = 200;

    /// <summary>Walks at most in <see cref="KillAll"/>; each finds only what was forked during the last one.</summary>
    private const int MaxKillWalks = 8;

    private readonly Lock _lock = new();
    private readonly Member _root;
    private readonly bool _usePidfd;
    private readonly List<Member> _members = [];
    private bool _disposed;

    /// <param name="rootPid">The child whose descendants these are, stopped by the caller (its start time is read now in PID mode).</param>
    /// <param name="rootPidfd">The child's pidfd in handle mode (not owned: its liveness is read through it), null in PID mode.</param>
    internal Descendants(int rootPid, SafePidfdHandle? rootPidfd)
    {
        _usePidfd = rootPidfd is not null;
        _root = new Member(rootPid, rootPidfd, _usePidfd ? 0 : StartTimeOf(rootPid), ownsPidfd: false);
    }

    /// <summary>Processes found so far (alive or not).</summary>
    internal int Count
    {
        get
        {
            lock (_lock)
            {
                return _members.Count;
            }
        }
    }

    /// <summary>
    /// Stops every descendant: those found before, and every one reachable from them or, with
    /// <paramref name="fromRoot"/>, from the root, which the caller has stopped (so it has not
    /// exited; in PID mode its PID may name another process once it has been reaped). Returns how
    /// many were found that were not known.
    /// </summary>
    internal int StopAll(bool fromRoot)
    {
        lock (_lock)
        {
            if (_disposed) return 0;
            _members.RemoveAll(static m => m.DisposeIfGone());
            foreach (Member member in _members) member.Signal(Signals.SIGSTOP);
            long deadline = Environment.TickCount64 + StopWaitMilliseconds;
            var parents = new Queue<Member>(_members.Count + 1);
            if (fromRoot) parents.Enqueue(_root);
            foreach (Member member in _members) parents.Enqueue(member);
            int found = 0;
            while (parents.TryDequeue(out Member? parent))
            {
                if (!parent.IsAlive()) continue; // exited: its children were re-parented away
                WaitUntilStopped(parent.Pid, deadline);
                foreach (int pid in ChildrenOf(parent.Pid))
                {
                    if (IsKnown(pid)) continue;
                    Member? child = Open(pid, parent);
                    if (child is null) continue;
                    child.Signal(Signals.SIGSTOP);
                    _members.Add(child);
                    parents.Enqueue(child);
                    found++;
                }
            }
            return found;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to every descendant found that still runs (not the root).</summary>
    internal void SignalAll(int signal)
    {
        lock (_lock)
        {
            if (_disposed) return;
            foreach (Member member in _members) member.Signal(signal);
        }
    }

    /// <summary>
    /// SIGKILL to every descendant, walking again until a walk finds nothing new; from the root too
    /// with <paramref name="fromRoot"/> (see <see cref="StopAll"/>).
    /// </summary>
    internal void KillAll(bool fromRoot)
    {
        for (int walk = 0; walk < MaxKillWalks; walk++)
        {
            int found = StopAll(fromRoot);
            SignalAll(Signals.SIGKILL);
            if (found == 0) break;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (Member member in _members) member.Dispose();
            _members.Clear();
        }
    }

    private bool IsKnown(int pid)
    {
        foreach (Member member in _members)
        {
            if (member.Pid == pid) return true;
        }
        return false;
    }

    /// <summary>The process <paramref name="pid"/>, once confirmed to be <paramref name="parent"/>'s child; null when it is not (or is gone).</summary>
    private Member? Open(int pid, Member parent)
    {
        if (!_usePidfd)
        {
            if (!TryReadStat(pid, out _, out int statParent, out ulong startTime) || statParent != parent.Pid) return null;
            return parent.IsAlive() ? new Member(pid, null, startTime, ownsPidfd: true) : null;
        }
        int fd = Sys.PidfdOpen(pid);
        if (fd < 0) return null; // ESRCH: gone already
        var pidfd = new SafePidfdHandle(DescriptorPlacement.MoveHigh(fd));
        var child = new Member(pid, pidfd, 0, ownsPidfd: true);
        // The parent is checked alive after the child's parent PID was read: alive then, so its
        // PID was its own when the child named it.
        if (ParentOf(child) == parent.Pid && parent.IsAlive()) return child;
        child.Dispose();
        return null;
    }

    /// <summary>The parent PID of the process behind the member's pidfd, or -1 when it has exited.</summary>
    private static unsafe int ParentOf(Member child)
    {
        PidfdInfo info = default;
        info.Mask = PidfdInfo.PIDFD_INFO_PID;
        if (child.Ioctl(PidfdInfo.PIDFD_GET_INFO, &info, out Errno errno)) return (int)info.Ppid;
        if (errno == Errno.ESRCH) return -1;
        // Before 6.13 (ENOTTY/EINVAL): /proc by PID, which named this process if it is still
        // alive afterwards (the pidfd keeps the PID from being handed out until it is reaped, and
        // only a reap after an exit frees it).
        if (!TryReadStat(child.Pid, out _, out int parentPid, out _)) return -1;
        return child.IsAlive() ? parentPid : -1;
    }

    /// <summary>
    /// Waits, until <paramref name="deadline"/> at most, for every thread of <paramref name="pid"/> to be
    /// stopped or dead. This polls on purpose: the kernel reports a stop only to the parent
    /// (waitid WSTOPPED), and a descendant's parent is not us. A stop takes effect within
    /// microseconds, so the first rounds only yield; the wait is bounded by the walk's 200 ms.
    /// </summary>
    private static void WaitUntilStopped(int pid, long deadline)
    {
        for (int round = 0; !AllThreadsStopped(pid); round++)
        {
            if (Environment.TickCount64 >= deadline) return;
            if (round < 20) Thread.Yield();
            else Thread.Sleep(1);
        }
    }

    private static bool AllThreadsStopped(int pid)
    {
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (!TryReadStat(Path.Combine(task, "stat"), out char state, out _, out _)) continue;
                if (state is not ('T' or 't' or 'Z' or 'X')) return false;
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // gone
        }
    }

    /// <summary>The children of every thread of <paramref name="pid"/>.</summary>
    private static List<int> ChildrenOf(int pid)
    {
        var children = new List<int>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string text;
                try
                {
                    text = File.ReadAllText(Path.Combine(task, "children"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // the thread ended
                }
                foreach (string entry in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out int child) && child > 0) children.Add(child);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone: no children to list.
        }
        return children;
    }

    private static ulong StartTimeOf(int pid) => TryReadStat(pid, out _, out _, out ulong startTime) ? startTime : 0;

    private static bool TryReadStat(int pid, out char state, out int parentPid, out ulong startTime) =>
        TryReadStat($"/proc/{pid}/stat", out state, out parentPid, out startTime);

    /// <summary>
    /// Fields 3 (state), 4 (ppid) and 22 (starttime) of a stat file; the name in field 2 may hold
    /// spaces and parentheses, so the fields are counted from its last ')'.
    /// </summary>
    private static bool TryReadStat(string path, out char state, out int parentPid, out ulong startTime)
    {
        state = '\0';
        parentPid = 0;
        startTime = 0;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        int end = text.LastIndexOf(')');
        if (end < 0 || end + 2 >= text.Length) return false;
        string[] fields = text[(end + 2)..].Split(' ');
        if (fields.Length < 20) return false;
        state = fields[0][0];
        return int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out parentPid)
            && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out startTime);
    }

    /// <summary>One process: by pidfd in handle mode; by PID and start time in PID mode.</summary>
    private sealed class Member(int pid, SafePidfdHandle? pidfd, ulong startTime, bool ownsPidfd) : IDisposable
    {
        internal int Pid => pid;

        /// <summary>Not exited (a zombie has exited).</summary>
        internal bool IsAlive()
        {
            if (pidfd is null)
            {
                return TryReadStat(pid, out char state, out _, out ulong now) && now == startTime && state is not ('Z' or 'X');
            }
            try
            {
                int ready;
                do
                {
                    ready = Sys.Poll(pidfd, Sys.POLLIN, 0, out _);
                }
                while (Eintr.Interrupted(ready));
                return ready == 0;
            }
            catch (ObjectDisposedException)
            {
                return false; // the root's handle: reaped and released
            }
        }

        /// <summary>Best effort: a process that exited meanwhile, or that we may not signal, is left alone.</summary>
        internal void Signal(int signal)
        {
            if (pidfd is null)
            {
                if (IsAlive()) _ = Sys.Kill(pid, signal);
                return;
            }
            try
            {
                _ = Sys.PidfdSendSignal(pidfd, signal);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        internal unsafe bool Ioctl(nuint request, void* argument, out Errno errno)
        {
            errno = 0;
            if (Sys.Ioctl(pidfd!, request, argument) == 0) return true;
            errno = Errno.Last();
            return false;
        }

        /// <summary>Closes the pidfd of a process that has exited; true when it did (the member can go).</summary>
        internal bool DisposeIfGone()
        {
            if (IsAlive()) return false;
            Dispose();
            return true;
        }

        public void Dispose()
        {
            if (ownsPidfd) pidfd?.Dispose();
        }
    }
}
