using System.Runtime.InteropServices;
using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// <c>Spawn.TestHost sigchld-ignored RUNS</c>: runs the workload in a process that inherited
/// SIGCHLD = SIG_IGN, in which the kernel reaps every child itself the moment it exits and sends
/// no SIGCHLD (.NET 10 leaves the disposition as it found it, even for PosixSignalRegistration). When
/// started with SIGCHLD not ignored, it ignores it and executes itself again, so the runtime
/// starts with it ignored, as under a parent that set it. No wait may hang; each state is exact
/// (Spawn's own reap, or the pidfd's exit info) or unknown with the reason.
/// </summary>
internal static class SigchldIgnored
{
    private const string Marker = "--reexecuted";

    internal static int Run(string[] args, int runs)
    {
        if (!args.Contains(Marker) && !Libc.SigchldIgnored())
        {
            Libc.Signal(Libc.SIGCHLD, Libc.SIG_IGN);
            ReExecute([.. args, Marker]); // does not return
        }
        bool ignoredAtStart = Libc.SigchldIgnored();
        Console.WriteLine($"sigchld ignored at start: {(ignoredAtStart ? "yes" : "no")}");
        if (!ignoredAtStart) return 1;

        var work = new Workload(allowUnknown: true);
        for (int i = 0; i < runs; i++) work.RunOne(i);
        var (children, zombies) = Libc.ChildCount();
        if (children != 0) work.Fail($"{children} children left ({zombies} zombies)");
        Console.WriteLine($"mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}: {work.Summary()}, sigchld ignored now: {(Libc.SigchldIgnored() ? "yes" : "no")}");
        work.PrintProblems(Console.Out);
        return work.Wrong == 0 ? 0 : 1;
    }

    private static unsafe void ReExecute(string[] args)
    {
        string self = Environment.ProcessPath!;
        nint path = Marshal.StringToCoTaskMemUTF8(self);
        nint* argv = stackalloc nint[args.Length + 2];
        argv[0] = path;
        for (int i = 0; i < args.Length; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        argv[args.Length + 1] = 0;
        Console.Out.Flush();
        Libc.Execv(path, argv);
        throw new InvalidOperationException($"execv {self}: {Libc.ErrnoName(Libc.LastError)}");
    }
}
