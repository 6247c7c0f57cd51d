using System.Globalization;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Waits, before a held measurement, until this process's children are what the measurement
/// assumes: none left from a previous repetition, or exactly the held ones, every one of them
/// asleep in `sleep` (exec'd and past its own start-up). Then a pause, for the kernel's deferred
/// work (freeing exited tasks, the start-ups' page faults) to end. Read from /proc, outside the
/// measured part; the C loop settles its own children the same way (native/spawn_loop.c).
/// </summary>
internal static class Settle
{
    /// <summary>How long to pause once the children are as expected: longer for more children.</summary>
    internal static int PauseMilliseconds(int hold) => Math.Max(250, hold / 5);

    /// <summary>Polls until this process has <paramref name="sleeping"/> children, all asleep in sleep (0: none at all), then pauses.</summary>
    internal static async Task ChildrenAsync(int sleeping, int pauseMilliseconds)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var (all, asleep) = CountChildren();
            if (all == sleeping && asleep == sleeping) break;
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"children did not settle: {all} children, {asleep} asleep in sleep, {sleeping} expected");
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
        await Task.Delay(pauseMilliseconds).ConfigureAwait(false);
    }

    /// <summary>This process's children (by the parent field of every /proc/PID/stat) and how many of them sleep in `sleep`.</summary>
    private static (int All, int Asleep) CountChildren()
    {
        string self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        int all = 0, asleep = 0;
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            string name = Path.GetFileName(directory);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0])) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            // "PID (comm) STATE PPID ...": comm may hold spaces, so fields start after the last ')'.
            int close = stat.LastIndexOf(')');
            if (close < 0) continue;
            string[] fields = stat[(close + 2)..].Split(' ', 3);
            if (fields.Length < 2 || fields[1] != self) continue;
            all++;
            if (fields[0] == "S" && stat.Contains("(sleep)", StringComparison.Ordinal)) asleep++;
        }
        return (all, asleep);
    }
}
