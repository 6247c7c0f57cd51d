using System.Globalization;

namespace Spawn;

/// <summary>
/// Limits on what a command may use. Two kinds, applied in different places:
/// <list type="bullet">
/// <item><b>Limits on the whole tree</b> (<see cref="MemoryMax"/>, <see cref="MemoryHigh"/>,
/// <see cref="SwapMax"/>, <see cref="Cpus"/>, <see cref="CpuWeight"/>, <see cref="MaxProcesses"/>): the
/// cgroup's controllers, for the command and everything it starts together. They need a
/// <see cref="ProcessTree"/>: <see cref="Command.WithLimits"/> implies <see cref="Command.WithProcessTree"/>,
/// and <see cref="ProcessTree.Create(ResourceLimits?)"/> takes them. They are written before the child is
/// created in the cgroup, so not one instruction of it runs unlimited.</item>
/// <item><b>Limits on each process</b> (<see cref="OpenFiles"/>, <see cref="CpuSeconds"/>,
/// <see cref="AddressSpace"/>, <see cref="CoreFileSize"/>, <see cref="Nice"/>, <see cref="CpuAffinity"/>):
/// resource limits, priority and affinity set in the child before it executes the program, inherited by
/// what it starts. They need the Linux fast path (<see cref="ProcessHandle.SpawnPath"/>); elsewhere
/// starting throws <see cref="PlatformNotSupportedException"/>, never a silent start without them.</item>
/// </list>
/// Every property is null by default: no limit of that kind.
/// </summary>
/// <example>
/// <code>
/// var limits = new ResourceLimits { MemoryMax = 512L &lt;&lt; 20, Cpus = 1.5, MaxProcesses = 100, OpenFiles = 1024 };
/// CommandResult result = await new Command("convert", input, output).WithLimits(limits).WithThrowOnFailure(false).RunAsync();
/// if (result.LimitsReached.HasFlag(LimitsReached.Memory)) Console.WriteLine("too big");
/// </code>
/// </example>
public sealed class ResourceLimits
{
    /// <summary>
    /// The most memory the tree may use, in bytes (cgroup v2 <c>memory.max</c>; v1
    /// <c>memory.limit_in_bytes</c>), page cache included. Past it the kernel reclaims, and when it
    /// cannot, its OOM killer ends a process of the tree: <see cref="CommandResult.LimitsReached"/> says so.
    /// </summary>
    public long? MemoryMax { get; init; }

    /// <summary>
    /// A soft memory limit in bytes (cgroup v2 <c>memory.high</c>): past it the tree is slowed down and
    /// reclaimed hard, but not killed. cgroup v2 only: where the memory controller is bound to cgroup v1,
    /// creating the tree throws <see cref="CgroupUnavailableException"/>.
    /// </summary>
    public long? MemoryHigh { get; init; }

    /// <summary>
    /// The most swap the tree may use, in bytes (cgroup v2 <c>memory.swap.max</c>; on v1, with
    /// <see cref="MemoryMax"/> set, <c>memory.memsw.limit_in_bytes</c> = memory + swap). 0 forbids swapping.
    /// </summary>
    public long? SwapMax { get; init; }

    /// <summary>
    /// The most CPU the tree may use, as a number of CPUs (1.5: one and a half CPUs' worth of time in
    /// every period; cgroup v2 <c>cpu.max</c>, v1 <c>cpu.cfs_quota_us</c>, over a 100 ms period).
    /// </summary>
    public double? Cpus { get; init; }

    /// <summary>
    /// The tree's share of CPU time when CPUs are contended, 1 to 10000 (cgroup v2 <c>cpu.weight</c>,
    /// 100 being the default; on v1 <c>cpu.shares</c>, scaled so that 100 is 1024).
    /// </summary>
    public int? CpuWeight { get; init; }

    /// <summary>
    /// The most processes (and threads) the tree may have at once (<c>pids.max</c>): a fork past it
    /// fails with EAGAIN, and <see cref="CommandResult.LimitsReached"/> says the limit was reached.
    /// </summary>
    public int? MaxProcesses { get; init; }

    /// <summary>The most open files of each process (<c>RLIMIT_NOFILE</c>, soft and hard): its highest descriptor number plus one.</summary>
    public long? OpenFiles { get; init; }

    /// <summary>
    /// The most CPU seconds each process may use (<c>RLIMIT_CPU</c>): at the limit the kernel sends
    /// SIGXCPU, and SIGKILL a second later if the process is still running. The result says so
    /// (<see cref="LimitsReached.CpuTime"/>).
    /// </summary>
    public long? CpuSeconds { get; init; }

    /// <summary>The largest address space of each process, in bytes (<c>RLIMIT_AS</c>): an allocation past it fails (ENOMEM) rather than killing anything.</summary>
    public long? AddressSpace { get; init; }

    /// <summary>The largest core dump each process may write, in bytes (<c>RLIMIT_CORE</c>); 0 writes none.</summary>
    public long? CoreFileSize { get; init; }

    /// <summary>The child's nice value, -20 (most favoured) to 19 (least); lowering it below ours needs privilege (CAP_SYS_NICE).</summary>
    public int? Nice { get; init; }

    /// <summary>The CPUs (numbered from 0) the child may run on (<c>sched_setaffinity</c>); at least one, each below 1024.</summary>
    public IReadOnlyList<int>? CpuAffinity
    {
        get => _cpuAffinity;
        init => _cpuAffinity = value is null ? null : [.. value]; // a copy: the caller's list may change after validation
    }

    private readonly IReadOnlyList<int>? _cpuAffinity;

    /// <summary>True when a limit on the whole tree (a cgroup controller) is set.</summary>
    internal bool NeedsTree => MemoryMax is not null || MemoryHigh is not null || SwapMax is not null || Cpus is not null || CpuWeight is not null || MaxProcesses is not null;

    /// <summary>True when a limit set in the child before exec is set.</summary>
    internal bool HasProcessLimits => OpenFiles is not null || CpuSeconds is not null || AddressSpace is not null || CoreFileSize is not null || Nice is not null || CpuAffinity is not null;

    /// <summary>Only the limits on the whole tree.</summary>
    internal ResourceLimits TreePart => new() { MemoryMax = MemoryMax, MemoryHigh = MemoryHigh, SwapMax = SwapMax, Cpus = Cpus, CpuWeight = CpuWeight, MaxProcesses = MaxProcesses };

    /// <summary>Only the limits set in each process.</summary>
    internal ResourceLimits ProcessPart => new() { OpenFiles = OpenFiles, CpuSeconds = CpuSeconds, AddressSpace = AddressSpace, CoreFileSize = CoreFileSize, Nice = Nice, CpuAffinity = CpuAffinity };

    /// <summary>Throws for a value the kernel would refuse, naming the property.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        NotNegative(MemoryMax, nameof(MemoryMax));
        NotNegative(MemoryHigh, nameof(MemoryHigh));
        NotNegative(SwapMax, nameof(SwapMax));
        NotNegative(OpenFiles, nameof(OpenFiles));
        NotNegative(CpuSeconds, nameof(CpuSeconds));
        NotNegative(AddressSpace, nameof(AddressSpace));
        NotNegative(CoreFileSize, nameof(CoreFileSize));
        // cpu.max's quota is at least 1 ms of the 100 ms period.
        if (Cpus is double cpus && (!double.IsFinite(cpus) || cpus < 0.01 || cpus > 100_000))
        {
            throw new ArgumentOutOfRangeException(nameof(Cpus), cpus, "Cpus must be a number of CPUs from 0.01 up.");
        }
        if (CpuWeight is int weight && (weight < 1 || weight > 10_000))
        {
            throw new ArgumentOutOfRangeException(nameof(CpuWeight), weight, "CpuWeight must be 1 to 10000.");
        }
        if (MaxProcesses is int processes && processes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxProcesses), processes, "MaxProcesses must be at least 1 (the command itself).");
        }
        if (Nice is int nice && (nice < -20 || nice > 19))
        {
            throw new ArgumentOutOfRangeException(nameof(Nice), nice, "Nice must be -20 to 19.");
        }
        if (CpuAffinity is { } cpuSet && (cpuSet.Count == 0 || cpuSet.Any(c => c < 0 || c >= MaxAffinityCpus)))
        {
            throw new ArgumentOutOfRangeException(nameof(CpuAffinity), string.Join(",", cpuSet), $"CpuAffinity must list at least one CPU, each 0 to {MaxAffinityCpus - 1}.");
        }
    }

    /// <summary>The CPUs a <see cref="CpuAffinity"/> mask can name (a 128-byte cpu_set_t).</summary>
    internal const int MaxAffinityCpus = 1024;

    private static void NotNegative(long? value, string name)
    {
        if (value is < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} cannot be negative.");
    }

    /// <summary>"memory 512 MiB, 1.5 CPUs, 100 processes, 1024 open files".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (MemoryMax is long max) parts.Add($"memory {Bytes(max)}");
        if (MemoryHigh is long high) parts.Add($"memory high {Bytes(high)}");
        if (SwapMax is long swap) parts.Add($"swap {Bytes(swap)}");
        if (Cpus is double cpus) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{cpus:0.##} CPUs"));
        if (CpuWeight is int weight) parts.Add(string.Create(CultureInfo.InvariantCulture, $"CPU weight {weight}"));
        if (MaxProcesses is int processes) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{processes} processes"));
        if (OpenFiles is long files) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{files} open files"));
        if (CpuSeconds is long seconds) parts.Add(string.Create(CultureInfo.InvariantCulture, $"{seconds} CPU seconds"));
        if (AddressSpace is long space) parts.Add($"address space {Bytes(space)}");
        if (CoreFileSize is long core) parts.Add($"core {Bytes(core)}");
        if (Nice is int nice) parts.Add(string.Create(CultureInfo.InvariantCulture, $"nice {nice}"));
        if (CpuAffinity is { } cpuSet) parts.Add($"CPUs {string.Join(",", cpuSet)}");
        return parts.Count == 0 ? "no limits" : string.Join(", ", parts);
    }

    internal static string Bytes(long bytes)
    {
        CultureInfo culture = CultureInfo.InvariantCulture;
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) return (bytes >> 30).ToString(culture) + " GiB";
        if (bytes >= 1L << 20) return (bytes / 1048576.0).ToString("0.#", culture) + " MiB";
        if (bytes >= 1L << 10) return (bytes / 1024.0).ToString("0.#", culture) + " KiB";
        return bytes.ToString(culture) + " bytes";
    }
}

/// <summary>Which limits of a command's <see cref="ResourceLimits"/> the kernel enforced during its run.</summary>
[Flags]
public enum LimitsReached
{
    /// <summary>None was reached (or none was set).</summary>
    None = 0,

    /// <summary>The kernel's OOM killer ended the command or a process of its tree at the tree's memory limit (<c>memory.events</c> <c>oom_kill</c>).</summary>
    Memory = 1,

    /// <summary>The tree's process limit refused at least one fork (<c>pids.events</c> <c>max</c>).</summary>
    Processes = 2,

    /// <summary>The command's process used up its CPU seconds and the kernel ended it (SIGXCPU, or SIGKILL at the hard limit).</summary>
    CpuTime = 4,
}
