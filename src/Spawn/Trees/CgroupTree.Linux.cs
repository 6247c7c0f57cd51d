using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// A process tree on Linux: a cgroup (v2) that Spawn created to contain one command and everything
/// it starts. A child started in it is placed there from its first instruction (clone3 with
/// CLONE_INTO_CGROUP), and every descendant — background jobs, double-forked daemons, new session
/// leaders — stays in it. Disposing kills what is left and removes the cgroup.
/// </summary>
/// <remarks>
/// Needs a cgroup v2 hierarchy in which this process may create cgroups (root, or a delegated
/// subtree), and the Linux fast path to start a child inside one. Where either is missing,
/// <see cref="Create"/> throws <see cref="CgroupUnavailableException"/>.
/// </remarks>
internal sealed class CgroupTree : TreeContainer
{
    private const uint EpollPri = 0x2;

    /// <summary>How long <see cref="Dispose"/> waits, after the kill, for the cgroup to empty before it leaves the rest to the sentinel.</summary>
    private static readonly TimeSpan s_disposeBound = TimeSpan.FromSeconds(10);

    private static int s_counter;
    private readonly string? _memoryV1Path;
    private readonly ulong _cgroupId;
    private readonly TreeSentinel _sentinel;

    // Kept open from Create, so that a full fd table cannot stop the tree from ending (see CgroupFile).
    private readonly SafeFileHandle _events;
    private readonly SafeFileHandle? _kill;     // null before Linux 5.14
    private readonly SafeFileHandle? _cpuStat;
    private readonly SafeFileHandle? _peak;     // v2 memory.peak or v1 memory.max_usage_in_bytes
    private readonly string? _peakPath;
    private readonly TreeControllers? _controllers; // null without limits

    private readonly Lock _watchLock = new();
    private EpollWaiter? _emptyWaiter;
    private Task? _emptied;
    private TreeUsage? _finalUsage;
    private int _disposed;

    private CgroupTree(string path, string? memoryV1Path, TreeSentinel sentinel, SafeFileHandle events, SafeFileHandle? kill,
        SafeFileHandle? cpuStat, SafeFileHandle? peak, string? peakPath, ResourceLimits? limits, TreeControllers? controllers)
    {
        Limits = limits;
        _controllers = controllers;
        CgroupPath = path;
        _memoryV1Path = memoryV1Path;
        _cgroupId = CgroupHierarchy.IdOf(path);
        _sentinel = sentinel;
        _events = events;
        _kill = kill;
        _cpuStat = cpuStat;
        _peak = peak;
        _peakPath = peakPath;
    }

    /// <summary>The cgroup directory.</summary>
    internal override string CgroupPath { get; }

    internal override ResourceLimits? Limits { get; }

    /// <summary>The v1 cgroups made for the limits (hybrid systems), removed with the tree; for tests.</summary>
    internal IReadOnlyList<string> LimitV1Directories => _controllers?.V1Directories ?? [];

    /// <summary>cgroup v1 cgroup.procs files a child joins before exec, where a limit's controller is bound to v1 (hybrid systems).</summary>
    internal override IReadOnlyList<SafeHandle>? JoinFiles => _controllers?.JoinFiles is { Count: > 0 } files ? files : null;

    /// <summary>The v1 memory cgroup on hybrid systems, else null.</summary>
    internal string? MemoryV1Path => _memoryV1Path;

    /// <summary>
    /// Creates a new, empty cgroup below this process's own, with a sentinel that removes it (and
    /// kills what runs in it) if this process dies without disposing the tree, and the limits on
    /// the whole tree (already validated by <see cref="ProcessTree.Create(ResourceLimits?)"/>) written
    /// before anything runs in it. On hybrid systems, where a controller is bound to cgroup v1, a v1
    /// cgroup of the tree's name holds the limit.
    /// </summary>
    /// <exception cref="CgroupUnavailableException">Cgroups cannot be used here, or a controller a limit needs cannot be had or set.</exception>
    /// <exception cref="SpawnException">A system call failed (EMFILE, for example); nothing is left behind.</exception>
    internal static CgroupTree Create(ResourceLimits? limits)
    {
        string parent = CgroupHierarchy.OwnV2Directory
            ?? throw new CgroupUnavailableException("No cgroup v2 hierarchy is mounted (see /proc/self/mountinfo), so a process tree cannot be contained.");
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone)
        {
            throw new CgroupUnavailableException($"Starting a child inside a cgroup needs the Linux fast path (clone3 with CLONE_INTO_CGROUP); this process uses {ProcessHandle.SpawnPath}, because {Spawner.NotLinuxCloneReason}.");
        }
        string name = string.Create(CultureInfo.InvariantCulture, $"spawn-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        string path = Path.Combine(parent, name);
        string? v1Candidate = CgroupHierarchy.OwnV1MemoryDirectory is { } v1Parent ? Path.Combine(v1Parent, name) : null;

        // The sentinel first: should this process die at any point after, the directories made
        // below are removed by it.
        IReadOnlyList<string> limitV1 = limits is null ? [] : Unavailable(() => TreeControllers.PlanV1(limits, name));
        TreeSentinel sentinel = TreeSentinel.Start(path, [.. limitV1.Union(v1Candidate is null ? [] : [v1Candidate])]);
        string? memoryV1 = null;
        SafeFileHandle? events = null, kill = null, cpuStat = null, peak = null;
        TreeControllers? controllers = null;
        try
        {
            try
            {
                Directory.CreateDirectory(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CgroupUnavailableException($"Cannot create a cgroup in {parent} ({e.Message}); containing a process tree needs root or a delegated cgroup subtree.", e);
            }
            if (limits is not null) controllers = Unavailable(() => TreeControllers.Apply(limits, path, name));
            // Peak memory comes from v2's memory.peak where the memory controller is on v2; on hybrid
            // systems it is bound to v1, so a sibling v1 memory cgroup accounts it.
            string? peakPath = Path.Combine(path, "memory.peak");
            if (!File.Exists(peakPath))
            {
                peakPath = null;
                if (v1Candidate is not null)
                {
                    try
                    {
                        Directory.CreateDirectory(v1Candidate);
                        memoryV1 = v1Candidate;
                        MoveChargesWithTasks(memoryV1);
                        peakPath = Path.Combine(memoryV1, "memory.max_usage_in_bytes");
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                    }
                }
            }
            events = CgroupFile.Open(Path.Combine(path, "cgroup.events"), FileAccess.Read);
            kill = CgroupFile.OpenIfPresent(Path.Combine(path, "cgroup.kill"), FileAccess.Write);
            cpuStat = CgroupFile.OpenIfPresent(Path.Combine(path, "cpu.stat"), FileAccess.Read);
            peak = peakPath is null ? null : CgroupFile.OpenIfPresent(peakPath, FileAccess.Read);
            return new CgroupTree(path, memoryV1, sentinel, events, kill, cpuStat, peak, peak is null ? null : peakPath, limits, controllers);
        }
        catch
        {
            controllers?.Dispose();
            events?.Dispose();
            kill?.Dispose();
            cpuStat?.Dispose();
            peak?.Dispose();
            // Nothing has run in them: they are empty and go at once.
            bool removed = Remove(path) && (memoryV1 is null || Remove(memoryV1)) && (controllers is null || RemoveAll(controllers.V1Directories));
            if (removed) sentinel.Release();
            else sentinel.HandOver();
            throw;
        }
    }

    /// <summary>Runs a step of the limits, reporting a limit that cannot be had as <see cref="CgroupUnavailableException"/>.</summary>
    private static T Unavailable<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (CgroupLimitException e)
        {
            throw new CgroupUnavailableException(e.Message, e.InnerException);
        }
    }

    /// <summary>Best effort: newer kernels deprecate (and refuse) moving charges; then a moved process's earlier memory stays where it was.</summary>
    private static void MoveChargesWithTasks(string memoryV1)
    {
        try
        {
            File.WriteAllText(Path.Combine(memoryV1, "memory.move_charge_at_immigrate"), "3"); // anonymous and file pages
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The processes in the tree now; empty once the tree is disposed.</summary>
    /// <exception cref="SpawnException">cgroup.procs could not be read (EMFILE at the open-file limit, for example).</exception>
    internal override IReadOnlyList<int> ProcessIds =>
        Volatile.Read(ref _disposed) != 0 ? [] :
        [.. (CgroupFile.ReadIfPresent(Path.Combine(CgroupPath, "cgroup.procs")) ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];

    /// <summary>True when no process is left in the tree (always, once it is disposed).</summary>
    /// <exception cref="SpawnException">cgroup.events could not be read: whether the tree is empty is unknown.</exception>
    internal override bool IsEmpty
    {
        get
        {
            if (Volatile.Read(ref _disposed) != 0) return true;
            try
            {
                return !IsPopulated(CgroupFile.Read(_events, EventsPath));
            }
            catch (ObjectDisposedException)
            {
                return true; // disposed meanwhile: removed
            }
        }
    }

    private string EventsPath => Path.Combine(CgroupPath, "cgroup.events");

    /// <summary>
    /// Sends <paramref name="signal"/> to every process in the tree. Each is addressed through a
    /// pidfd that is checked to belong to this cgroup first, so a PID reused meanwhile by a process
    /// outside is never hit. Processes forked during the sweep are caught by further sweeps.
    /// </summary>
    /// <returns>How many processes were signalled.</returns>
    /// <exception cref="SpawnException">A member's pidfd or the member list could not be had (EMFILE, for example).</exception>
    internal override int Signal(int signal)
    {
        if (Volatile.Read(ref _disposed) != 0) return 0; // removed: nobody is left in it
        var signalled = new HashSet<int>();
        for (int sweep = 0; sweep < 8; sweep++)
        {
            int before = signalled.Count;
            foreach (int pid in ProcessIds)
            {
                if (!signalled.Contains(pid) && SignalMember(pid, signal)) signalled.Add(pid);
            }
            if (signalled.Count == before) break;
        }
        return signalled.Count;
    }

    /// <summary>
    /// Kills every process in the tree at once (cgroup.kill, kept open since <see cref="Create"/>, so it
    /// works with a full fd table), daemons and new sessions included. A no-op once the tree is gone.
    /// </summary>
    /// <exception cref="SpawnException">The kill could not be written.</exception>
    internal override void Kill()
    {
        if (Volatile.Read(ref _disposed) != 0) return; // removed: nobody is left in it
        try
        {
            KillMembers();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile, which kills them.
        }
    }

    private void KillMembers()
    {
        if (_kill is not null)
        {
            CgroupFile.Write(_kill, Path.Combine(CgroupPath, "cgroup.kill"), "1");
            return;
        }
        // Kernels before 5.14: sweep with SIGKILL until nobody is left to fork.
        while (SignalSweep(Signals.SIGKILL) > 0 && IsPopulatedNow() != false)
        {
        }
    }

    private int SignalSweep(int signal)
    {
        var signalled = 0;
        foreach (int pid in ProcessIds) if (SignalMember(pid, signal)) signalled++;
        return signalled;
    }

    /// <summary>Completes when no process is left in the tree (cgroup.events "populated 0"), or the tree is disposed; no polling.</summary>
    /// <exception cref="SpawnException">cgroup.events could not be read.</exception>
    internal override Task WaitEmptyAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0) return Task.CompletedTask;
        Task emptied;
        lock (_watchLock)
        {
            if (Volatile.Read(ref _disposed) != 0) return Task.CompletedTask;
            _emptyWaiter ??= new EpollWaiter(_events);
            emptied = _emptied ??= WatchUntilEmptyAsync(_emptyWaiter);
        }
        return cancellationToken.CanBeCanceled ? emptied.WaitAsync(cancellationToken) : emptied;
    }

    /// <summary>One watch per tree, shared by every waiter: the events file is registered once on the reactor.</summary>
    private async Task WatchUntilEmptyAsync(EpollWaiter waiter)
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                // Reading re-bases the file's change counter; a change after it raises EPOLLPRI.
                if (!IsPopulated(CgroupFile.Read(_events, EventsPath))) return;
                await waiter.WhenReady(EpollPri, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return; // disposed: the tree was killed and removed
            }
        }
    }

    /// <summary>
    /// What the tree has used so far: CPU time from cpu.stat, peak memory where a memory controller
    /// accounts it. Both files are kept open since <see cref="Create"/>. After <see cref="Dispose"/>,
    /// what it had used when it was removed.
    /// </summary>
    /// <exception cref="SpawnException">The files could not be read.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed and its final usage could not be read then.</exception>
    internal override TreeUsage GetUsage()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return Volatile.Read(ref _finalUsage) ?? throw new ObjectDisposedException(nameof(ProcessTree), $"The process tree {CgroupPath} was removed before its usage could be read.");
        }
        return ReadUsage();
    }

    private TreeUsage ReadUsage()
    {
        long user = 0, system = 0;
        string stat = _cpuStat is null ? "" : CgroupFile.Read(_cpuStat, Path.Combine(CgroupPath, "cpu.stat"));
        foreach (string line in stat.Split('\n'))
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 2) continue;
            if (parts[0] == "user_usec") user = long.Parse(parts[1], CultureInfo.InvariantCulture);
            else if (parts[0] == "system_usec") system = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        long? peak = null;
        if (_peak is not null && long.TryParse(CgroupFile.Read(_peak, _peakPath!).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            peak = value;
        }
        string? why = peak is null ? "no memory controller accounts this cgroup (cgroup v2 memory.peak needs the memory controller enabled for our cgroup's children)" : null;
        return new TreeUsage(TimeSpan.FromMicroseconds(user), TimeSpan.FromMicroseconds(system), peak, why, _controllers?.OomKills(), _controllers?.ForksRefused());
    }

    /// <summary>
    /// On hybrid systems, moves the tree's processes into the v1 memory cgroup. The v2 cgroup holds
    /// them from their first instruction, but v1 placement happens after the start, by which time
    /// the child may have forked: so every member of the v2 tree is moved, sweep after sweep, until
    /// none is missing, and memory charged before a move moves with it (move_charge_at_immigrate).
    /// </summary>
    internal override void AfterStart()
    {
        if (_memoryV1Path is null) return;
        try
        {
            MoveMembersToMemoryCgroup(_memoryV1Path);
        }
        catch (SpawnException)
        {
            // Best effort (the members could not be listed, at the open-file limit say): then peak memory counts less.
        }
    }

    private void MoveMembersToMemoryCgroup(string memoryV1Path)
    {
        string procs = Path.Combine(memoryV1Path, "cgroup.procs");
        for (int sweep = 0; sweep < 8; sweep++)
        {
            var accounted = ReadOrEmpty(procs).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
            var missing = ProcessIds.Select(p => p.ToString(CultureInfo.InvariantCulture)).Where(p => !accounted.Contains(p)).ToList();
            if (missing.Count == 0) return;
            foreach (string pid in missing)
            {
                try
                {
                    File.WriteAllText(procs, pid);
                }
                catch (IOException)
                {
                    // It has exited meanwhile: nothing left to account.
                }
            }
        }
    }

    /// <summary>
    /// Kills what is left, waits until the tree is empty, and removes the cgroup, all on the calling
    /// thread (no thread-pool thread is needed): a blocking poll(2) on cgroup.events, bounded. Should
    /// the cgroup still be busy after that (a process stuck in the kernel), the tree's sentinel is
    /// left to remove it once it can. Idempotent.
    /// </summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        bool removed = false;
        try
        {
            removed = EndAndRemove();
        }
        finally
        {
            lock (_watchLock)
            {
                _emptyWaiter?.Close(); // leaves the reactor before the descriptor closes; wakes the watch
            }
            _events.Dispose();
            _kill?.Dispose();
            _cpuStat?.Dispose();
            _peak?.Dispose();
            _controllers?.Dispose();
            if (removed) _sentinel.Release();
            else _sentinel.HandOver();
        }
    }

    /// <summary>Kill, wait (bounded), keep the final usage, remove; false when the cgroup could not be removed.</summary>
    private bool EndAndRemove()
    {
        long deadline = Environment.TickCount64 + (long)s_disposeBound.TotalMilliseconds;
        bool? populated = IsPopulatedNow();
        if (populated != false)
        {
            try
            {
                KillMembers();
            }
            catch (SpawnException)
            {
                return false; // the sentinel kills them
            }
            if (!WaitUnpopulated(deadline)) return false;
        }
        try
        {
            Volatile.Write(ref _finalUsage, ReadUsage());
        }
        catch (SpawnException)
        {
            // Usage is only for GetUsage after disposal: it then says it is not known.
        }
        return Remove(CgroupPath) && (_memoryV1Path is null || Remove(_memoryV1Path)) && (_controllers is null || RemoveAll(_controllers.V1Directories));
    }

    /// <summary>Removes every directory, even after one fails; true when all are gone.</summary>
    private static bool RemoveAll(IReadOnlyList<string> directories)
    {
        bool all = true;
        foreach (string directory in directories) all &= Remove(directory);
        return all;
    }

    /// <summary>Blocks on cgroup.events (POLLPRI on a change) until "populated 0" or the deadline.</summary>
    private bool WaitUnpopulated(long deadline)
    {
        while (true)
        {
            // Reading re-bases the file's change counter: a change after it wakes the poll.
            if (IsPopulatedNow() == false) return true;
            long remaining = deadline - Environment.TickCount64;
            if (remaining <= 0) return false;
            if (_kill is null) _ = SignalSweep(Signals.SIGKILL); // before 5.14: catch what forked since
            // A change to cgroup.events wakes the poll. Before 5.14 (no cgroup.kill) a fork during the
            // sweep raises no event that helps, so look again every 100 ms. Should poll itself fail,
            // sleeping the same bounded time keeps this loop from spinning until the deadline.
            int timeout = (int)Math.Min(remaining, _kill is null ? 100 : 1000);
            if (!CgroupFile.WaitForChange(_events, timeout)) Thread.Sleep(timeout);
        }
    }

    /// <summary>Whether the cgroup has a process: null when cgroup.events could not be read (unknown is not empty).</summary>
    private bool? IsPopulatedNow()
    {
        try
        {
            return IsPopulated(CgroupFile.Read(_events, EventsPath));
        }
        catch (SpawnException)
        {
            return null;
        }
    }

    private static bool Remove(string directory) => CgroupHierarchy.Remove(directory);

    private bool SignalMember(int pid, int signal) => CgroupMember.Signal(CgroupPath, _cgroupId, pid, signal);

    private static bool IsPopulated(string events) =>
        events.Split('\n').Any(l => l == "populated 1");

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
