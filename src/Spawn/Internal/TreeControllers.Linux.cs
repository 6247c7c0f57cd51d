using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Spawn.Internal;

/// <summary>
/// The cgroup controllers that enforce a tree's <see cref="ResourceLimits"/>: memory, cpu, pids.
/// Each is taken from cgroup v2 where our cgroup has it (<c>cgroup.controllers</c>), enabled for our
/// children in <c>cgroup.subtree_control</c> if it is not yet; else, on hybrid systems that bind it to a
/// cgroup v1 hierarchy, from a v1 cgroup of the tree's name next to ours there. The limits are written
/// before any process is in the tree. A child joins the v2 cgroup as it is created (CLONE_INTO_CGROUP);
/// v1 has no such thing, so the child joins the v1 cgroups itself before it executes the program
/// (it writes 0 to their cgroup.procs, through the descriptors <see cref="JoinFiles"/> holds).
/// </summary>
internal sealed class TreeControllers : IDisposable
{
    private const long CpuPeriodMicroseconds = 100_000;

    private readonly List<SafeFileHandle> _joinFiles = [];
    private SafeFileHandle? _memoryEvents;
    private string? _memoryEventsPath;
    private SafeFileHandle? _pidsEvents;
    private string? _pidsEventsPath;

    private TreeControllers(IReadOnlyList<string> v1Directories) => V1Directories = v1Directories;

    /// <summary>The v1 cgroups made for the tree (removed with it), empty on pure v2.</summary>
    internal IReadOnlyList<string> V1Directories { get; }

    /// <summary>The v1 cgroup.procs files a child writes 0 to before exec, to join them.</summary>
    internal IReadOnlyList<SafeFileHandle> JoinFiles => _joinFiles;

    /// <summary>
    /// The v1 cgroups <paramref name="limits"/> would need for a tree named <paramref name="name"/>
    /// (so the tree's sentinel can be told before they exist).
    /// </summary>
    /// <exception cref="CgroupLimitException">A controller the limits need is in neither hierarchy.</exception>
    internal static IReadOnlyList<string> PlanV1(ResourceLimits limits, string name)
    {
        var directories = new List<string>();
        foreach (string controller in Needed(limits))
        {
            if (HasV2(controller)) continue;
            string ownV1 = CgroupHierarchy.OwnV1Directory(controller) ?? throw Unavailable(controller);
            string directory = Path.Combine(ownV1, name);
            if (!directories.Contains(directory)) directories.Add(directory);
        }
        return directories;
    }

    /// <summary>
    /// Enables the controllers, makes the v1 cgroups, writes the limits into them and the v2 cgroup
    /// <paramref name="v2Path"/> (which exists and is empty), and opens what a child needs to join and
    /// the tree's end needs to read. On failure everything made here is removed again.
    /// </summary>
    /// <exception cref="CgroupLimitException">A controller cannot be enabled, or a limit cannot be expressed here.</exception>
    /// <exception cref="SpawnException">A limit file could not be written (the errno says why).</exception>
    internal static TreeControllers Apply(ResourceLimits limits, string v2Path, string name)
    {
        var controllers = new TreeControllers(PlanV1(limits, name));
        var made = new List<string>();
        try
        {
            foreach (string controller in Needed(limits))
            {
                string directory;
                bool v2 = HasV2(controller);
                if (v2)
                {
                    EnableV2(controller);
                    directory = v2Path;
                }
                else
                {
                    directory = Path.Combine(CgroupHierarchy.OwnV1Directory(controller)!, name);
                    if (!made.Contains(directory))
                    {
                        MakeV1(directory, controller);
                        made.Add(directory);
                        controllers._joinFiles.Add(CgroupFile.Open(Path.Combine(directory, "cgroup.procs"), FileAccess.Write));
                    }
                }
                controllers.Write(controller, limits, directory, v2);
            }
            return controllers;
        }
        catch
        {
            controllers.Dispose();
            foreach (string directory in made) CgroupHierarchy.Remove(directory);
            throw;
        }
    }

    /// <summary>How many times the OOM killer ended a process of the tree; null without a memory limit.</summary>
    /// <exception cref="SpawnException">The events file could not be read.</exception>
    internal long? OomKills() => _memoryEvents is null ? null : Counter(CgroupFile.Read(_memoryEvents, _memoryEventsPath!), "oom_kill");

    /// <summary>How many forks the process limit refused; null without one.</summary>
    /// <exception cref="SpawnException">The events file could not be read.</exception>
    internal long? ForksRefused() => _pidsEvents is null ? null : Counter(CgroupFile.Read(_pidsEvents, _pidsEventsPath!), "max");

    public void Dispose()
    {
        foreach (SafeFileHandle file in _joinFiles) file.Dispose();
        _memoryEvents?.Dispose();
        _pidsEvents?.Dispose();
    }

    private static IEnumerable<string> Needed(ResourceLimits limits)
    {
        if (limits.MemoryMax is not null || limits.MemoryHigh is not null || limits.SwapMax is not null) yield return "memory";
        if (limits.Cpus is not null || limits.CpuWeight is not null) yield return "cpu";
        if (limits.MaxProcesses is not null) yield return "pids";
    }

    private void Write(string controller, ResourceLimits limits, string directory, bool v2)
    {
        switch (controller)
        {
            case "memory":
                WriteMemory(limits, directory, v2);
                _memoryEventsPath = Path.Combine(directory, v2 ? "memory.events" : "memory.oom_control");
                _memoryEvents = CgroupFile.Open(_memoryEventsPath, FileAccess.Read);
                break;
            case "cpu":
                if (limits.Cpus is double cpus)
                {
                    long quota = (long)Math.Round(cpus * CpuPeriodMicroseconds);
                    if (v2)
                    {
                        Set(directory, "cpu.max", Invariant($"{quota} {CpuPeriodMicroseconds}"));
                    }
                    else
                    {
                        Set(directory, "cpu.cfs_period_us", Invariant($"{CpuPeriodMicroseconds}"));
                        Set(directory, "cpu.cfs_quota_us", Invariant($"{quota}"));
                    }
                }
                if (limits.CpuWeight is int weight)
                {
                    if (v2) Set(directory, "cpu.weight", Invariant($"{weight}"));
                    else Set(directory, "cpu.shares", Invariant($"{Math.Max(2, weight * 1024L / 100)}")); // 100 ↔ 1024, v1's default
                }
                break;
            case "pids":
                Set(directory, "pids.max", Invariant($"{limits.MaxProcesses}"));
                _pidsEventsPath = Path.Combine(directory, "pids.events");
                _pidsEvents = CgroupFile.Open(_pidsEventsPath, FileAccess.Read);
                break;
        }
    }

    private static void WriteMemory(ResourceLimits limits, string directory, bool v2)
    {
        if (v2)
        {
            if (limits.MemoryMax is long max) Set(directory, "memory.max", Invariant($"{max}"));
            if (limits.MemoryHigh is long high) Set(directory, "memory.high", Invariant($"{high}"));
            if (limits.SwapMax is long swap)
            {
                if (!File.Exists(Path.Combine(directory, "memory.swap.max")))
                {
                    throw new CgroupLimitException("A swap limit cannot be set here: the kernel keeps no swap accounts (no memory.swap.max; CONFIG_MEMCG_SWAP, or swapaccount=1).");
                }
                Set(directory, "memory.swap.max", Invariant($"{swap}"));
            }
            return;
        }
        if (limits.MemoryHigh is not null)
        {
            throw new CgroupLimitException("MemoryHigh (cgroup v2 memory.high) cannot be set here: the memory controller is bound to cgroup v1, which has no such limit. Use MemoryMax.");
        }
        if (limits.MemoryMax is long limit) Set(directory, "memory.limit_in_bytes", Invariant($"{limit}"));
        if (limits.SwapMax is long swapMax)
        {
            // v1 limits memory and swap together; it cannot say "this much swap" without a memory limit.
            if (limits.MemoryMax is not long memory)
            {
                throw new CgroupLimitException("SwapMax needs MemoryMax where the memory controller is bound to cgroup v1, whose only swap limit is one on memory and swap together (memory.memsw.limit_in_bytes).");
            }
            if (!File.Exists(Path.Combine(directory, "memory.memsw.limit_in_bytes")))
            {
                throw new CgroupLimitException("A swap limit cannot be set here: the kernel keeps no swap accounts (no memory.memsw.limit_in_bytes; boot with swapaccount=1).");
            }
            Set(directory, "memory.memsw.limit_in_bytes", Invariant($"{memory + swapMax}"));
        }
    }

    private static bool HasV2(string controller)
    {
        string? own = CgroupHierarchy.OwnV2Directory;
        if (own is null) return false;
        string? available = CgroupFile.ReadIfPresent(Path.Combine(own, "cgroup.controllers"));
        return available is not null && available.Split(' ', '\n').Contains(controller);
    }

    /// <summary>Turns the controller on for our cgroup's children, where it is not on yet (it stays on: others may rely on it).</summary>
    private static void EnableV2(string controller)
    {
        string own = CgroupHierarchy.OwnV2Directory!;
        string control = Path.Combine(own, "cgroup.subtree_control");
        string? enabled = CgroupFile.ReadIfPresent(control);
        if (enabled is not null && enabled.Split(' ', '\n').Contains(controller)) return;
        try
        {
            CgroupFile.WriteOnce(control, "+" + controller);
        }
        catch (SpawnException e)
        {
            string why = e.Error == Errno.EBUSY
                ? $"our cgroup {own} holds processes itself, and cgroup v2 enables controllers only for the children of a cgroup without processes of its own (run this process in a leaf of a delegated subtree, e.g. systemd-run --scope -p Delegate=yes, and create trees below it)"
                : e.Message;
            throw new CgroupLimitException($"The {controller} controller cannot be enabled for the tree: writing +{controller} to {control} failed: {why}.", e);
        }
    }

    private static void MakeV1(string directory, string controller)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CgroupLimitException($"The {controller} controller is bound to cgroup v1 here, and a cgroup for the tree cannot be made in it ({e.Message}).", e);
        }
    }

    private static void Set(string directory, string file, string value)
    {
        string path = Path.Combine(directory, file);
        try
        {
            CgroupFile.WriteOnce(path, value);
        }
        catch (SpawnException e)
        {
            throw new CgroupLimitException($"The limit {file} = {value} could not be set on the tree: {e.Message}.", e);
        }
    }

    private static CgroupLimitException Unavailable(string controller) => new(
        $"The {controller} controller, which the tree's limits need, is available neither to our cgroup v2 ({CgroupHierarchy.OwnV2Directory ?? "none"}: not in its cgroup.controllers) nor in a cgroup v1 hierarchy; it must be enabled in the parent cgroup's cgroup.subtree_control, or delegated to us.");

    private static long Counter(string text, string key)
    {
        foreach (string line in text.Split('\n'))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key) && long.TryParse(line.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                return value;
            }
        }
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
