namespace Spawn.Tests.Support;

/// <summary>Open file descriptors of a process, read from /proc.</summary>
internal static class Fds
{
    internal static int[] Of(int pid) =>
        [.. Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(e => int.Parse(System.IO.Path.GetFileName(e), System.Globalization.CultureInfo.InvariantCulture)).Order()];

    /// <summary>How many fds this process has open (the directory listing's own fd excluded).</summary>
    internal static int OpenCount() => Of(Environment.ProcessId).Length - 1;

    /// <summary>
    /// This process's open fds, each with what it refers to (its /proc/self/fd link: "pipe:[123]",
    /// "anon_inode:[pidfd]", "/dev/ptmx", ...). A count cannot tell a leak from a late close: one
    /// descriptor closed by something else at the same time hides one leaked, and an fd number
    /// reused by a leak looks unchanged. The number with its target can.
    /// </summary>
    internal static IReadOnlyDictionary<int, string> Table()
    {
        var table = new Dictionary<int, string>();
        string listing = $"/proc/{Environment.ProcessId}/fd";
        foreach (int fd in Of(Environment.ProcessId))
        {
            string? target;
            try
            {
                target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            }
            catch (IOException)
            {
                continue; // closed meanwhile
            }
            // The listing's own descriptor (its directory) is no descriptor of the code under test,
            // nor is an assembly's file, which the runtime opens (and keeps open) the first time
            // any code of this process uses the assembly (seen: System.Diagnostics.Process.dll
            // and System.Runtime.Intrinsics.dll, twice each, in the middle of a leak test).
            if (target is null || target == listing || IsAssembly(target)) continue;
            // Every pidfd, eventfd, ... links to the same "anon_inode:[...]", every pty master to
            // /dev/ptmx: the inode (pidfs gives each process its own) or the terminal's number
            // tells two apart, so a new one in a closed one's slot shows.
            string? detail = target.StartsWith("anon_inode:", StringComparison.Ordinal) ? "ino:" : target == "/dev/ptmx" ? "tty-index:" : null;
            if (detail is not null)
            {
                try
                {
                    target += $" {detail} {FdInfoField(fd, detail)}";
                }
                catch (IOException)
                {
                    continue; // closed meanwhile
                }
            }
            table[fd] = target;
        }
        return table;
    }

    private static readonly string[] s_assemblyDirectories =
        [System.IO.Path.GetDirectoryName(typeof(object).Assembly.Location) + "/", AppContext.BaseDirectory];

    private static bool IsAssembly(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) && s_assemblyDirectories.Any(d => target.StartsWith(d, StringComparison.Ordinal));

    /// <summary>"fd -> target" for every fd open now that was not open in <paramref name="before"/> with the same target.</summary>
    internal static string[] OpenedSince(IReadOnlyDictionary<int, string> before) =>
        [.. Table().Where(e => !before.TryGetValue(e.Key, out string? was) || was != e.Value).Select(e => $"{e.Key} -> {e.Value}")];

    /// <summary>
    /// True once no fd is open that was not in <paramref name="before"/> (waiting up to
    /// <paramref name="seconds"/> for descriptors that close asynchronously: an exit watcher's,
    /// a finalizer's). Descriptors closed since then, by the code under test or by the runtime
    /// and earlier tests' stragglers, are neither a leak nor hide one. <paramref name="opened"/>
    /// says which remain, for the failure message.
    /// </summary>
    internal static bool NoneOpenedSince(IReadOnlyDictionary<int, string> before, out string opened, double seconds = 30, Action? settle = null)
    {
        string[] now = [];
        bool none = Eventually(() =>
        {
            settle?.Invoke();
            now = OpenedSince(before);
            return now.Length == 0;
        }, seconds);
        opened = string.Join(", ", now);
        return none;
    }

    /// <summary>
    /// Waits until <paramref name="check"/> holds, for up to <paramref name="seconds"/>. For state
    /// that settles asynchronously (a finalizer ran, an exit was observed); the assertion follows.
    /// The default is generous: what takes milliseconds alone can take seconds on a loaded machine,
    /// and only a failing check ever waits it out.
    /// </summary>
    internal static bool Eventually(Func<bool> check, double seconds = 30)
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

    /// <summary>
    /// What <paramref name="fd"/> refers to now, told apart from whatever may take its number later
    /// (its link target with its inode), or null when it is not open.
    /// </summary>
    internal static string? Identity(int fd)
    {
        try
        {
            string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            return target is null ? null : $"{target} ino: {FdInfoField(fd, "ino:")}";
        }
        catch (IOException)
        {
            return null; // not open (or closed while read)
        }
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
