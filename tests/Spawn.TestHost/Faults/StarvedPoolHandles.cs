using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// <c>Spawn.TestHost starved-pool-handles</c>: blocks every thread-pool worker (a common production
/// incident), then waits for children through the handle layer. A wait's completion must come from
/// Spawn's own threads (the epoll reactor in handle mode, the reaper thread in PID mode), so a task
/// blocked on synchronously still completes. Prints one line per check and "ok" or "FAILED".
/// </summary>
internal static class StarvedPoolHandles
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    internal static int Run()
    {
        using var release = new ManualResetEventSlim();
        if (!PoolStarvation.Starve(release).Starved) return 1;
        int failures = 0;
        try
        {
            failures += Check("WaitAsync of a child, blocked on", () =>
            {
                using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "exit 3"]);
                return child.WaitAsync().Wait(Bound) ? $"exit {child.Wait().ExitCode}" : null;
            }, "exit 3");
            failures += Check("WaitAsync of a child that is still running, blocked on", () =>
            {
                using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "0.3"]);
                return child.WaitAsync().Wait(Bound) ? $"exit {child.Wait().ExitCode}" : null;
            }, "exit 0");
            failures += Check("Wait of a child", () =>
            {
                using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "exit 4"]);
                return $"exit {child.Wait().ExitCode}";
            }, "exit 4");
        }
        finally
        {
            release.Set();
        }
        Console.WriteLine($"mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}: {(failures == 0 ? "ok" : "FAILED")}");
        return failures == 0 ? 0 : 1;
    }

    private static int Check(string what, Func<string?> check, string expected)
    {
        string? got;
        try
        {
            got = check() ?? $"no result within {Bound.TotalSeconds} s";
        }
        catch (Exception e) when (e is SpawnException or AggregateException or ObjectDisposedException)
        {
            got = e.GetType().Name + ": " + e.Message;
        }
        bool ok = got == expected;
        Console.WriteLine($"{what}: {got}{(ok ? "" : $" (expected {expected})")}");
        return ok ? 0 : 1;
    }
}
