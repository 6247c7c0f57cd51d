namespace Spawn.Tests.Support;

/// <summary>What /proc says about this test process: threads, and children per state.</summary>
internal static class ProcessTable
{
    internal static int ThreadCount() =>
        int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Threads of this process that are the thread pool's (".NET TP Worker", ".NET TP Gate") or
    /// the runtime's on-demand tiered compiler: the runtime adds and retires them as it sees fit
    /// (starvation on a loaded machine adds workers, 20 s idle retires them), so their number
    /// moves without anything leaking.
    /// </summary>
    internal static int RuntimeManagedThreadCount() =>
        Directory.GetDirectories("/proc/self/task")
            .Select(task => ReadOrEmpty(Path.Combine(task, "comm")).Trim())
            .Count(name => name.StartsWith(".NET TP ", StringComparison.Ordinal) || name.StartsWith(".NET Tiered", StringComparison.Ordinal));

    /// <summary>PIDs of this process's children (from every thread's children list).</summary>
    internal static int[] Children() =>
        [.. Directory.GetDirectories("/proc/self/task")
            .SelectMany(task => ReadOrEmpty(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>
    /// "name xN, ..." over this process's threads. Threads come and go while it reads: one that
    /// exited between the listing and the read of its name is skipped, not an error.
    /// </summary>
    internal static string ThreadNames() =>
        string.Join(", ", Directory.GetDirectories("/proc/self/task")
            .Select(task => ReadOrEmpty(Path.Combine(task, "comm")).Trim())
            .Where(name => name.Length > 0)
            .GroupBy(name => name)
            .Select(g => $"{g.Key} x{g.Count()}"));

    internal static int[] Zombies() => [.. Children().Where(pid => Native.ProcState(pid) == 'Z')];

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
