using System.Diagnostics;
using Spawn;

/// <summary>
/// Spawn and System.Diagnostics.Process used side by side, interleaved, each checking its exit
/// codes. As PID 1 of a PID namespace, .NET (once Process is in use) reaps every child that exits,
/// Spawn's included: Spawn must then take each status from the pidfd's exit information, never
/// hang, and never report a wrong code. Prints a summary line; exit 0 when nothing was wrong.
/// </summary>
internal static class BesideProcess
{
    internal static int Run(int runs)
    {
        int spawnRight = 0, spawnFromPidfd = 0, spawnUnknown = 0, wrong = 0, processRight = 0;
        for (int i = 0; i < runs; i++)
        {
            int code = i % 256;
            if (i % 2 == 0)
            {
                using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", $"exit {code}"]);
                Task<ProcessState> wait = i % 4 == 0 ? Task.Run(child.Wait) : child.WaitAsync();
                if (!wait.Wait(TimeSpan.FromSeconds(30)))
                {
                    Console.WriteLine($"hang: Spawn wait for run {i} did not complete");
                    return 1;
                }
                ProcessState state = wait.Result;
                if (state.ExitCode == code)
                {
                    spawnRight++;
                    if (state.Source == ExitStatusSource.PidfdExitInfo) spawnFromPidfd++;
                }
                else if (state.Source == ExitStatusSource.Unknown) spawnUnknown++;
                else
                {
                    Console.WriteLine($"wrong: Spawn run {i} expected {code}, got {state} ({state.Source})");
                    wrong++;
                }
            }
            else
            {
                using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"exit {code}"]))!;
                if (!process.WaitForExit(30_000))
                {
                    Console.WriteLine($"hang: Process run {i} did not exit");
                    return 1;
                }
                if (process.ExitCode == code) processRight++;
                else
                {
                    Console.WriteLine($"wrong: Process run {i} expected {code}, got {process.ExitCode}");
                    wrong++;
                }
            }
        }
        Console.WriteLine($"pid {Environment.ProcessId} mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")}: spawn right {spawnRight} (from pidfd exit info {spawnFromPidfd}), spawn unknown {spawnUnknown}, process right {processRight}, wrong {wrong}");
        // Unknown is honest where there is a window: PID mode has no pidfd at all, and the portable
        // path opens the pidfd after posix_spawn returns, so a reaper may take the child first.
        bool unknownAllowed = !ProcessHandle.UsesPidfd || ProcessHandle.SpawnPath == SpawnPath.PosixSpawn;
        return wrong == 0 && (spawnUnknown == 0 || unknownAllowed) ? 0 : 1;
    }
}
