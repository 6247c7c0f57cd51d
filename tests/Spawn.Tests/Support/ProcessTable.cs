namespace Spawn.Tests.Support;

/// <summary>What /proc says about this test process: threads, and children per state.</summary>
internal static class ProcessTable
{
    internal static int ThreadCount() =>
        int.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("Threads:", StringComparison.Ordinal))[8..].Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// This process's threads in two counts from one listing: the runtime's own (named ".NET ...":
    /// the thread pool's workers, its timer, the background GC, the tiered compiler ...), which it
    /// adds and retires as it sees fit (starvation on a loaded machine adds workers, 20 s idle
    /// retires them, the timer and the background GC start at first use), and all others (Spawn's
    /// named threads, the main thread, ...). Counted together, the first moved a bound meant for
    /// the second; counted from two reads, workers added between them looked like other threads.
    /// Linux gives a new thread its creator's name: an unnamed thread started from a pool thread
    /// counts as the runtime's, so bounds on those must still be far below a thread per child.
    /// </summary>
    internal static (int Others, int Runtime) ThreadCounts()
    {
        int others = 0, runtime = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            string name = ReadOrEmpty(Path.Combine(task, "comm")).Trim();
            if (name.Length == 0) continue; // ended meanwhile
            if (name.StartsWith(".NET ", StringComparison.Ordinal)) runtime++;
            else others++;
        }
        return (others, runtime);
    }

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
