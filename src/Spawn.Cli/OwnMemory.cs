namespace Spawn.Cli;

/// <summary>Our own peak resident size (VmHWM), the most of our memory a vfork-style child's ru_maxrss can include.</summary>
internal static class OwnMemory
{
    internal static long? PeakBytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }
}
