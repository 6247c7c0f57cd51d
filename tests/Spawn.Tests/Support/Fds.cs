namespace Spawn.Tests.Support;

/// <summary>Open file descriptors of a process, read from /proc.</summary>
internal static class Fds
{
    internal static int[] Of(int pid) =>
        [.. Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(e => int.Parse(System.IO.Path.GetFileName(e), System.Globalization.CultureInfo.InvariantCulture)).Order()];

    /// <summary>How many fds this process has open (the directory listing's own fd excluded).</summary>
    internal static int OpenCount() => Of(Environment.ProcessId).Length - 1;

    /// <summary>
    /// Waits until <paramref name="check"/> holds, for up to <paramref name="seconds"/>. For state
    /// that settles asynchronously (a finalizer ran, an exit was observed); the assertion follows.
    /// </summary>
    internal static bool Eventually(Func<bool> check, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!check())
        {
            if (DateTime.UtcNow > deadline) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    /// <summary>
    /// True when an epoll instance of this process watches the file <paramref name="fd"/> refers to:
    /// read from the kernel (/proc/self/fdinfo lists each epoll set's targets with their inode), so a
    /// test sees the exit watcher's registrations without asking Spawn.
    /// </summary>
    internal static bool WatchedByEpoll(int fd)
    {
        string? inode = FdInfoField(fd, "ino:");
        Assert.NotNull(inode);
        string target = "ino:" + ulong.Parse(inode, System.Globalization.CultureInfo.InvariantCulture).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + " ";
        foreach (int candidate in Of(Environment.ProcessId))
        {
            string? link = null;
            try
            {
                link = new FileInfo($"/proc/self/fd/{candidate}").LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            if (link != "anon_inode:[eventpoll]") continue;
            string info;
            try
            {
                info = File.ReadAllText($"/proc/self/fdinfo/{candidate}");
            }
            catch (IOException)
            {
                continue;
            }
            foreach (string line in info.Split('\n'))
            {
                if (line.StartsWith("tfd:", StringComparison.Ordinal) && (line + " ").Contains(target, StringComparison.Ordinal)) return true;
            }
        }
        return false;
    }

    private static string? FdInfoField(int fd, string field)
    {
        foreach (string line in File.ReadAllLines($"/proc/self/fdinfo/{fd}"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal)) return line[field.Length..].Trim();
        }
        return null;
    }
}
