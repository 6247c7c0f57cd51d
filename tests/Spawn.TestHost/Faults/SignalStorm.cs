using System.Globalization;
using System.Runtime.InteropServices;
using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// <c>Spawn.TestHost signal-storm CYCLES</c>: runs the workload CYCLES times while a thread floods
/// the threads Spawn's calls run on — the main thread, the thread pool's workers, Spawn's epoll
/// thread — with tgkill in a tight loop: SIGUSR1, whose raw handler is installed without
/// SA_RESTART, so that every blocking system call it lands in fails with EINTR instead of being
/// restarted by the kernel; and SIGWINCH, handled through PosixSignalRegistration. Every Spawn call
/// must retry; prints "storm: ... failures 0" and exits 0 when nothing failed.
/// </summary>
/// <remarks>
/// .NET's own threads are left out, and SIGWINCH is kept at most 256 ahead of its handler: .NET's
/// signal handler writes a byte per signal into a pipe that its ".NET SigHandler" thread drains,
/// with a blocking write, so a flood that fills the pipe and then lands on that thread deadlocks
/// the runtime (seen here with .NET 10.0.12: every thread in anon_pipe_write). That is the
/// runtime's limit, not what this test is about.
/// </remarks>
internal static class SignalStorm
{
    private static volatile bool s_stop;

    internal static int Run(int cycles)
    {
        long handled = 0;
        using var registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, _ => Interlocked.Increment(ref handled));
        // A do-nothing handler that is async-signal-safe and takes no argument it would misread.
        nint noop = NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "sched_yield");
        Libc.SetHandler(Libc.SIGUSR1, noop, flags: 0); // no SA_RESTART: interrupted calls fail with EINTR

        // Spawn's once-only set-up first, so the storm hits steady-state calls.
        using (var warm = ProcessHandle.Start("/bin/true", ["true"])) warm.Wait();

        long sent = 0;
        var storm = new Thread(() => sent = Flood(ref handled)) { IsBackground = true, Name = "signal storm" };
        storm.Start();

        var work = new Workload(allowUnknown: false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < cycles; i++) work.RunOne(i);
        s_stop = true;
        storm.Join();

        var (children, zombies) = Libc.ChildCount();
        if (children != 0) work.Fail($"{children} children left ({zombies} zombies)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"storm: mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}: cycles {cycles} in {clock.Elapsed.TotalSeconds:0.0} s, signals sent {sent}, SIGWINCH handled {handled}, {work.Summary()}, failures {work.Wrong}"));
        work.PrintProblems(Console.Out);
        return work.Wrong == 0 && handled > 0 ? 0 : 1;
    }

    /// <summary>tgkill to every target thread, alternating SIGUSR1 and SIGWINCH, until stopped.</summary>
    private static long Flood(ref long handled)
    {
        int pid = Environment.ProcessId;
        long sent = 0, winchSent = 0;
        int[] threads = [];
        for (long round = 0; !s_stop; round++)
        {
            if (round % 64 == 0) threads = Targets();
            bool winch = round % 2 == 1;
            if (winch && winchSent - Interlocked.Read(ref handled) > 256)
            {
                Thread.Yield();
                continue;
            }
            foreach (int tid in threads)
            {
                if (Libc.TgKill(pid, tid, winch ? Libc.SIGWINCH : Libc.SIGUSR1) != 0) continue;
                sent++;
                if (winch) winchSent++;
            }
            // Let the work run too (two cores here): a round per time slice is still a flood.
            Thread.Yield();
        }
        return sent;
    }

    /// <summary>This process's threads but .NET's own (the thread pool's workers excepted) and the storm's.</summary>
    private static int[] Targets()
    {
        var targets = new List<int>();
        int self = Libc.GetTid();
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            int tid = int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture);
            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
            }
            catch (IOException)
            {
                continue; // ended meanwhile
            }
            if (tid == self || (name.StartsWith(".NET ", StringComparison.Ordinal) && !name.StartsWith(".NET TP Worker", StringComparison.Ordinal))) continue;
            targets.Add(tid);
        }
        return [.. targets];
    }
}
