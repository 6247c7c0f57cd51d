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
}
