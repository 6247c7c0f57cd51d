namespace Spawn;

/// <summary>What a whole process tree used, from its cgroup: every process that ever ran in it.</summary>
public sealed class TreeUsage
{
    internal TreeUsage(TimeSpan userTime, TimeSpan systemTime, long? peakMemoryBytes, string? peakMemoryUnavailableReason,
        long? oomKills = null, long? forksRefused = null)
    {
        OomKills = oomKills;
        ForksRefused = forksRefused;
        UserTime = userTime;
        SystemTime = systemTime;
        PeakMemoryBytes = peakMemoryBytes;
        PeakMemoryUnavailableReason = peakMemoryUnavailableReason;
    }

    /// <summary>CPU time in user mode of every process in the tree (cgroup cpu.stat user_usec).</summary>
    public TimeSpan UserTime { get; }

    /// <summary>CPU time in the kernel on behalf of the tree (cgroup cpu.stat system_usec).</summary>
    public TimeSpan SystemTime { get; }

    /// <summary>Total CPU time.</summary>
    public TimeSpan CpuTime => UserTime + SystemTime;

    /// <summary>
    /// The tree's peak memory in bytes (cgroup v2 memory.peak, or the v1 memory controller's
    /// max_usage_in_bytes on hybrid systems, where the tree's processes are moved in with their
    /// charges right after the start), page cache included; null when no memory
    /// controller is available (see <see cref="PeakMemoryUnavailableReason"/>).
    /// </summary>
    public long? PeakMemoryBytes { get; }

    /// <summary>Why <see cref="PeakMemoryBytes"/> is null.</summary>
    public string? PeakMemoryUnavailableReason { get; }

    /// <summary>
    /// How many processes of the tree the kernel's OOM killer ended at the tree's memory limit
    /// (<c>memory.events</c> <c>oom_kill</c>; on cgroup v1 <c>memory.oom_control</c>); null when the
    /// tree has no memory limit (<see cref="ResourceLimits.MemoryMax"/>, ...).
    /// </summary>
    public long? OomKills { get; }

    /// <summary>
    /// How many forks the tree's process limit refused (<c>pids.events</c> <c>max</c>); null when the
    /// tree has no process limit (<see cref="ResourceLimits.MaxProcesses"/>).
    /// </summary>
    public long? ForksRefused { get; }

    /// <summary>"cpu 1.234 s (user 1.000 s, sys 0.234 s), peak memory 12.3 MiB[, 1 OOM kills][, 5 forks refused]".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"cpu {CpuTime.TotalSeconds:0.000} s (user {UserTime.TotalSeconds:0.000} s, sys {SystemTime.TotalSeconds:0.000} s), peak memory {(PeakMemoryBytes is long peak ? $"{peak / 1048576.0:0.0} MiB" : "unknown")}{(OomKills is > 0 ? $", {OomKills} OOM kills" : "")}{(ForksRefused is > 0 ? $", {ForksRefused} forks refused" : "")}");
}
