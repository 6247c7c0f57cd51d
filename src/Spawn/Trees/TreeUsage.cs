namespace Spawn;

/// <summary>What a whole process tree used, from its cgroup: every process that ever ran in it.</summary>
public sealed class TreeUsage
{
    internal TreeUsage(TimeSpan userTime, TimeSpan systemTime, long? peakMemoryBytes, string? peakMemoryUnavailableReason)
    {
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

    /// <summary>"cpu 1.234 s (user 1.000 s, sys 0.234 s), peak memory 12.3 MiB".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"cpu {CpuTime.TotalSeconds:0.000} s (user {UserTime.TotalSeconds:0.000} s, sys {SystemTime.TotalSeconds:0.000} s), peak memory {(PeakMemoryBytes is long peak ? $"{peak / 1048576.0:0.0} MiB" : "unknown")}");
}
