using System.Globalization;

namespace Spawn.Cli;

/// <summary>
/// `spawn run`'s resource limits (--memory 512M --cpus 1.5 --pids 100 --nofile 1024 --nice 10 ...):
/// the options, and the <see cref="ResourceLimits"/> they make. Those on the whole tree imply --tree.
/// </summary>
internal static class LimitOptions
{
    private static readonly OptionSpec s_memory = new(null, "memory", true);
    private static readonly OptionSpec s_memoryHigh = new(null, "memory-high", true);
    private static readonly OptionSpec s_swap = new(null, "swap", true);
    private static readonly OptionSpec s_cpus = new(null, "cpus", true);
    private static readonly OptionSpec s_cpuWeight = new(null, "cpu-weight", true);
    private static readonly OptionSpec s_pids = new(null, "pids", true);
    private static readonly OptionSpec s_nofile = new(null, "nofile", true);
    private static readonly OptionSpec s_cpuSeconds = new(null, "cpu-seconds", true);
    private static readonly OptionSpec s_addressSpace = new(null, "address-space", true);
    private static readonly OptionSpec s_core = new(null, "core", true);
    private static readonly OptionSpec s_nice = new(null, "nice", true);
    private static readonly OptionSpec s_affinity = new(null, "cpu-affinity", true);

    /// <summary>The options, in the order the help lists them.</summary>
    internal static readonly OptionSpec[] All =
        [s_memory, s_memoryHigh, s_swap, s_cpus, s_cpuWeight, s_pids, s_nofile, s_cpuSeconds, s_addressSpace, s_core, s_nice, s_affinity];

    /// <summary>The limits the parsed options ask for, or null when none; <paramref name="parsed"/> may hold other options.</summary>
    /// <exception cref="UsageException">A value is malformed or out of range.</exception>
    internal static ResourceLimits? From(IEnumerable<ParsedOption> parsed)
    {
        long? memory = null, memoryHigh = null, swap = null, nofile = null, cpuSeconds = null, addressSpace = null, core = null;
        double? cpus = null;
        int? cpuWeight = null, pids = null, nice = null;
        int[]? affinity = null;
        bool any = false;
        foreach (ParsedOption option in parsed)
        {
            OptionSpec spec = option.Spec;
            string value = option.Value ?? "";
            if (!All.Contains(spec)) continue;
            any = true;
            if (spec == s_memory) memory = Size(spec, value);
            else if (spec == s_memoryHigh) memoryHigh = Size(spec, value);
            else if (spec == s_swap) swap = Size(spec, value);
            else if (spec == s_cpus) cpus = Number(spec, value);
            else if (spec == s_cpuWeight) cpuWeight = Integer(spec, value);
            else if (spec == s_pids) pids = Integer(spec, value);
            else if (spec == s_nofile) nofile = Integer(spec, value);
            else if (spec == s_cpuSeconds) cpuSeconds = Integer(spec, value);
            else if (spec == s_addressSpace) addressSpace = Size(spec, value);
            else if (spec == s_core) core = Size(spec, value);
            else if (spec == s_nice) nice = Integer(spec, value, allowNegative: true);
            else if (spec == s_affinity) affinity = CpuList(spec, value);
        }
        if (!any) return null;
        var limits = new ResourceLimits
        {
            MemoryMax = memory, MemoryHigh = memoryHigh, SwapMax = swap, Cpus = cpus, CpuWeight = cpuWeight, MaxProcesses = pids,
            OpenFiles = nofile, CpuSeconds = cpuSeconds, AddressSpace = addressSpace, CoreFileSize = core, Nice = nice, CpuAffinity = affinity,
        };
        try
        {
            _ = new Command("true").WithLimits(limits); // validates
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException($"invalid limit: {e.Message.Split(Environment.NewLine)[0]}");
        }
        return limits;
    }

    /// <summary>"512M", "1.5G", "100k", "4096": bytes, with K, M, G or T for powers of 1024 (as systemd's MemoryMax).</summary>
    internal static long Size(OptionSpec spec, string text)
    {
        string trimmed = text.Trim();
        long unit = 1;
        if (trimmed.Length > 0)
        {
            switch (char.ToUpperInvariant(trimmed[^1]))
            {
                case 'K': unit = 1L << 10; break;
                case 'M': unit = 1L << 20; break;
                case 'G': unit = 1L << 30; break;
                case 'T': unit = 1L << 40; break;
                case 'B': unit = 1; break;
            }
            if (!char.IsAsciiDigit(trimmed[^1])) trimmed = trimmed[..^1];
        }
        if (!double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number) || number * unit >= long.MaxValue)
        {
            throw new UsageException($"invalid size for --{spec.Long}: '{text}' (bytes, or a number with K, M, G or T: 512M, 1.5G)");
        }
        return (long)(number * unit);
    }

    private static double Number(OptionSpec spec, string text) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number)
            ? number
            : throw new UsageException($"invalid number for --{spec.Long}: '{text}'");

    private static int Integer(OptionSpec spec, string text, bool allowNegative = false) =>
        int.TryParse(text, allowNegative ? NumberStyles.AllowLeadingSign : NumberStyles.None, CultureInfo.InvariantCulture, out int number)
            ? number
            : throw new UsageException($"invalid number for --{spec.Long}: '{text}'");

    /// <summary>"0-3,6": as taskset -c and cpuset's lists.</summary>
    private static int[] CpuList(OptionSpec spec, string text)
    {
        var cpus = new SortedSet<int>();
        foreach (string part in text.Split(','))
        {
            string[] range = part.Split('-');
            if (range.Length is < 1 or > 2
                || !int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                || !int.TryParse(range[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int last)
                || last < first || last - first > 4096)
            {
                throw new UsageException($"invalid CPU list for --{spec.Long}: '{text}' (as taskset -c takes it: 0-3,6)");
            }
            for (int cpu = first; cpu <= last; cpu++) cpus.Add(cpu);
        }
        return [.. cpus];
    }
}
