using System.Globalization;
using Spawn;

namespace Spawn.TestHost;

/// <summary>
/// `Spawn.TestHost peak-above-ours`: starts a program that allocates 64 MiB more than this
/// process's own peak and prints "own K KiB, allocated B, reported P" (P: the child's
/// <see cref="ProcessState.MaxRssBytes"/>, or "none"); exits 0 when the peak was reported and at
/// least what was allocated. Run here rather than in the test runner, whose own peak depends on
/// which tests ran before and may be too large for a child to outgrow.
/// </summary>
internal static class PeakScenario
{
    internal static int Run()
    {
        long ownKiB = OwnPeakKiB();
        long bytes = (ownKiB + 64 * 1024) * 1024;
        using ProcessHandle child = ProcessHandle.Start("/usr/bin/perl", ["perl", "-e", $"$x = 'a' x {bytes}"]);
        ProcessState state = child.Wait();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"own {ownKiB} KiB, allocated {bytes}, reported {state.MaxRssBytes?.ToString(CultureInfo.InvariantCulture) ?? "none"}, {state}"));
        return state.ExitCode == 0 && state.MaxRssBytes >= bytes ? 0 : 1;
    }

    private static long OwnPeakKiB()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line[6..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
    }
}
