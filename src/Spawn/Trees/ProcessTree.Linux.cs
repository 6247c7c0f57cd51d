using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Internal;
using Spawn.Interop;

namespace Spawn;

/// <summary>
/// A cgroup (v2) that Spawn created to contain one command and everything it starts: a child
/// started in it (<see cref="Command.WithProcessTree"/>) is placed there from its first instruction,
/// and every descendant — background jobs, double-forked daemons, new session leaders — stays in
/// it. The tree can then be signalled or killed as a whole, waited for until empty, and asked what
/// it used. Disposing kills what is left and removes the cgroup.
/// </summary>
/// <remarks>
/// Needs a cgroup v2 hierarchy in which this process may create cgroups (root, or a delegated
/// subtree), and the Linux fast path to start a child inside one. Where either is missing,
/// <see cref="Create"/> throws <see cref="CgroupUnavailableException"/>.
/// </remarks>
public sealed class ProcessTree : IDisposable
{
    private static int s_counter;
    private readonly string? _memoryV1Path;
    private readonly ulong _cgroupId;
    private int _disposed;

    private ProcessTree(string path, string? memoryV1Path)
    {
        CgroupPath = path;
        _memoryV1Path = memoryV1Path;
        _cgroupId = Sys.InodeOf(path);
    }

    /// <summary>The cgroup directory.</summary>
    public string CgroupPath { get; }

    /// <summary>Creates a new, empty cgroup below this process's own.</summary>
    /// <exception cref="CgroupUnavailableException">Cgroups cannot be used here; the message says why.</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static ProcessTree Create()
    {
        PlatformGuard.ThrowIfUnsupported();
        string parent = CgroupHierarchy.OwnV2Directory
            ?? throw new CgroupUnavailableException("No cgroup v2 hierarchy is mounted (see /proc/self/mountinfo), so a process tree cannot be contained.");
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone)
        {
            throw new CgroupUnavailableException($"Starting a child inside a cgroup needs the Linux fast path (clone3 with CLONE_INTO_CGROUP); this process uses {ProcessHandle.SpawnPath}, because {Spawner.NotLinuxCloneReason}.");
        }
        string name = string.Create(CultureInfo.InvariantCulture, $"spawn-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        string path = Path.Combine(parent, name);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupUnavailableException($"Cannot create a cgroup in {parent} ({e.Message}); containing a process tree needs root or a delegated cgroup subtree.", e);
        }
        // Peak memory comes from v2's memory.peak where the memory controller is on v2; on hybrid
        // systems it is bound to v1, so a sibling v1 memory cgroup accounts it.
        string? memoryV1 = null;
        if (!File.Exists(Path.Combine(path, "memory.peak")) && CgroupHierarchy.OwnV1MemoryDirectory is { } v1Parent)
        {
            try
            {
                memoryV1 = Path.Combine(v1Parent, name);
                Directory.CreateDirectory(memoryV1);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                memoryV1 = null;
            }
        }
        if (memoryV1 is not null) MoveChargesWithTasks(memoryV1);
        return new ProcessTree(path, memoryV1);
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

    /// <summary>The processes in the tree now.</summary>
    public IReadOnlyList<int> ProcessIds =>
        [.. ReadOrEmpty(Path.Combine(CgroupPath, "cgroup.procs")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];

    /// <summary>True when no process is left in the tree.</summary>
    public bool IsEmpty => !IsPopulated(ReadOrEmpty(Path.Combine(CgroupPath, "cgroup.events")));

    /// <summary>
    /// Sends <paramref name="signal"/> to every process in the tree. Each is addressed through a
    /// pidfd that is checked to belong to this cgroup first, so a PID reused meanwhile by a process
    /// outside is never hit. Processes forked during the sweep are caught by further sweeps.
    /// </summary>
    /// <returns>How many processes were signalled.</returns>
    public int Signal(int signal)
    {
        Signals.Validate(signal);
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

    /// <summary>Kills every process in the tree at once (cgroup.kill), daemons and new sessions included. A no-op once the tree is gone.</summary>
    public void Kill()
    {
        if (Volatile.Read(ref _disposed) != 0) return; // removed: nobody is left in it
        string killFile = Path.Combine(CgroupPath, "cgroup.kill");
        if (File.Exists(killFile))
        {
            File.WriteAllText(killFile, "1");
            return;
        }
        // Kernels before 5.14: sweep with SIGKILL until nobody is left to fork.
        while (Signal(Signals.SIGKILL) > 0 && !IsEmpty)
        {
        }
    }

    /// <summary>Completes when no process is left in the tree (cgroup.events "populated 0"); no polling.</summary>
    public async Task WaitEmptyAsync(CancellationToken cancellationToken = default)
    {
        using SafeFileHandle events = File.OpenHandle(Path.Combine(CgroupPath, "cgroup.events"));
        var waiter = new EpollWaiter(events);
        try
        {
            byte[] buffer = new byte[512];
            while (true)
            {
                // Reading re-bases the file's change counter; a change after it raises EPOLLPRI.
                int read = RandomAccess.Read(events, buffer, 0);
                if (!IsPopulated(System.Text.Encoding.ASCII.GetString(buffer, 0, read))) return;
                await waiter.WhenReady(EpollPri, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            waiter.Close();
        }
    }

    /// <summary>What the tree has used so far: CPU time from cpu.stat, peak memory where a memory controller accounts it.</summary>
    public TreeUsage GetUsage()
    {
        long user = 0, system = 0;
        foreach (string line in ReadOrEmpty(Path.Combine(CgroupPath, "cpu.stat")).Split('\n'))
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 2) continue;
            if (parts[0] == "user_usec") user = long.Parse(parts[1], CultureInfo.InvariantCulture);
            else if (parts[0] == "system_usec") system = long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        long? peak = ReadNumber(Path.Combine(CgroupPath, "memory.peak"))
            ?? (_memoryV1Path is null ? null : ReadNumber(Path.Combine(_memoryV1Path, "memory.max_usage_in_bytes")));
        string? why = peak is null ? "no memory controller accounts this cgroup (cgroup v2 memory.peak needs the memory controller enabled for our cgroup's children)" : null;
        return new TreeUsage(TimeSpan.FromMicroseconds(user), TimeSpan.FromMicroseconds(system), peak, why);
    }

    /// <summary>
    /// On hybrid systems, moves the tree's processes into the v1 memory cgroup. The v2 cgroup holds
    /// them from their first instruction, but v1 placement happens after the start, by which time
    /// the child may have forked: so every member of the v2 tree is moved, sweep after sweep, until
    /// none is missing, and memory charged before a move moves with it (move_charge_at_immigrate).
    /// </summary>
    internal void AddToMemoryAccounting()
    {
        if (_memoryV1Path is null) return;
        string procs = Path.Combine(_memoryV1Path, "cgroup.procs");
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

    /// <summary>Kills what is left, waits until the tree is empty, and removes the cgroup. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!IsEmpty)
        {
            Kill();
            WaitEmptyAsync().Wait(TimeSpan.FromSeconds(30));
        }
        TryRemove(CgroupPath);
        if (_memoryV1Path is not null) TryRemove(_memoryV1Path);
    }

    private const uint EpollPri = 0x2;

    private bool SignalMember(int pid, int signal)
    {
        int fd = Sys.PidfdOpen(pid);
        if (fd < 0)
        {
            // No pidfds here (PID mode): check membership, then signal by number.
            return BelongsByProc(pid) && Sys.Kill(pid, signal) == 0;
        }
        try
        {
            return BelongsByPidfd(fd, pid) && Sys.PidfdSendSignal(fd, signal) == 0;
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    /// <summary>The kernel's cgroup ID for the pidfd's process (6.13+), else /proc read after the pidfd pinned it.</summary>
    private unsafe bool BelongsByPidfd(int pidfd, int pid)
    {
        PidfdInfo info = default;
        info.Mask = PidfdInfo.PIDFD_INFO_CGROUPID;
        if (_cgroupId != 0 && Sys.Ioctl(pidfd, PidfdInfo.PIDFD_GET_INFO, &info) == 0 && (info.Mask & PidfdInfo.PIDFD_INFO_CGROUPID) != 0)
        {
            return info.CgroupId == _cgroupId;
        }
        return BelongsByProc(pid);
    }

    private bool BelongsByProc(int pid)
    {
        string relative = "/" + Path.GetRelativePath(CgroupHierarchy.V2Mount!, CgroupPath);
        return ReadOrEmpty($"/proc/{pid}/cgroup").Split('\n').Any(l => l.StartsWith("0::", StringComparison.Ordinal) && l[3..] == relative);
    }

    private static bool IsPopulated(string events) =>
        events.Split('\n').Any(l => l == "populated 1");

    private static long? ReadNumber(string path)
    {
        string text = ReadOrEmpty(path).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;
    }

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

    private static void TryRemove(string directory)
    {
        try
        {
            Directory.Delete(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still busy (a process we could not kill): leave it rather than fail the caller.
        }
    }
}
