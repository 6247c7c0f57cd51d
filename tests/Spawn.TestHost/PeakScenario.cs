using System.Globalization;
using Spawn;

namespace Spawn.TestHost;

/// <summary>
/// `Spawn.TestHost peak-above-ours`: starts a program that allocates 64 MiB more than this
/// process's peak as the kernel counts it for a child (getrusage's ru_maxrss, which also holds
/// the peak of the test runner this process replaced at exec) and prints "ours K KiB, allocated
/// B, reported P" (P: the child's <see cref="ProcessState.MaxRssBytes"/>, or "none"); exits 0
/// when the peak was reported and at least what was allocated. Run here rather than in the test
/// runner, whose own peak depends on which tests ran before and may be too large to outgrow.
/// </summary>
internal static class PeakScenario
{
    internal static int Run()
    {
        long ownKiB = RusagePeakKiB();
        long bytes = (ownKiB + 64 * 1024) * 1024;
        using ProcessHandle child = ProcessHandle.Start("/usr/bin/perl", ["perl", "-e", $"$x = 'a' x {bytes}"]);
        ProcessState state = child.Wait();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ours {ownKiB} KiB, allocated {bytes}, reported {state.MaxRssBytes?.ToString(CultureInfo.InvariantCulture) ?? "none"}, {state}"));
        return state.ExitCode == 0 && state.MaxRssBytes >= bytes ? 0 : 1;
    }

    private static unsafe long RusagePeakKiB()
    {
        long* usage = stackalloc long[18];
        if (Spawn.TestHost.Faults.Libc.GetRUsage(0 /* RUSAGE_SELF */, usage) != 0) throw new InvalidOperationException("getrusage failed");
        return usage[4];
    }
}
