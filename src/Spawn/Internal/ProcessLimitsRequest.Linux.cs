using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The per-process part of <see cref="ResourceLimits"/> as the native helper takes it: resource
/// limits, a nice value, a CPU mask.
/// </summary>
internal readonly struct ProcessLimitsRequest
{
    private ProcessLimitsRequest(SpawnNativeRlimit[]? rlimits, int? nice, ulong[]? affinity)
    {
        Rlimits = rlimits;
        Nice = nice;
        Affinity = affinity;
    }

    internal SpawnNativeRlimit[]? Rlimits { get; }

    internal int? Nice { get; }

    /// <summary>A cpu_set_t's words, as long as the highest CPU named needs.</summary>
    internal ulong[]? Affinity { get; }

    internal static ProcessLimitsRequest From(ResourceLimits? limits)
    {
        if (limits is null || !limits.HasProcessLimits) return default;
        var rlimits = new List<SpawnNativeRlimit>(4);
        if (limits.OpenFiles is long files) rlimits.Add(Both(SpawnNativeRlimit.RLIMIT_NOFILE, files));
        // SIGXCPU at the soft limit, SIGKILL a second later at the hard one: equal, the kernel would
        // send only SIGKILL, and the program would get no chance to notice.
        if (limits.CpuSeconds is long seconds) rlimits.Add(new SpawnNativeRlimit { Resource = SpawnNativeRlimit.RLIMIT_CPU, Soft = (ulong)seconds, Hard = (ulong)seconds + 1 });
        if (limits.AddressSpace is long space) rlimits.Add(Both(SpawnNativeRlimit.RLIMIT_AS, space));
        if (limits.CoreFileSize is long core) rlimits.Add(Both(SpawnNativeRlimit.RLIMIT_CORE, core));

        ulong[]? mask = null;
        if (limits.CpuAffinity is { Count: > 0 } cpus)
        {
            mask = new ulong[cpus.Max() / 64 + 1];
            foreach (int cpu in cpus) mask[cpu / 64] |= 1UL << (cpu % 64);
        }
        return new ProcessLimitsRequest(rlimits.Count == 0 ? null : [.. rlimits], limits.Nice, mask);
    }

    private static SpawnNativeRlimit Both(int resource, long value) =>
        new() { Resource = resource, Soft = (ulong)value, Hard = (ulong)value };
}
