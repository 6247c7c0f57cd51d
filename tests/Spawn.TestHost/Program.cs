// A process that starts children through Spawn, for tests that need Spawn outside the test runner.
//
//   Spawn.TestHost parent-death SIGNAL PROGRAM [ARGS...]
//       starts PROGRAM (argv[0] = PROGRAM) with StartOptions.ParentDeathSignal = SIGNAL (a number),
//       prints "pid N" and "path P" (ProcessHandle.SpawnPath), then sleeps until killed.
//   Spawn.TestHost parent-death-exact SIGNAL PROGRAM [ARGS...]
//       the same, with StartOptions.ExactPeakMemory (the program started through spawn-exec).
//   Spawn.TestHost beside-process RUNS
//       see BesideProcess.cs: Spawn and System.Diagnostics.Process interleaved in one process
//       (run as PID 1 of a new PID namespace by the tests, where .NET reaps every child).
//   Spawn.TestHost seccomp EPERM|ENOSYS RUNS [all|open|waitid|signal|clone-pidfd]
//   Spawn.TestHost exhaust-nofile [cold] | exhaust-nproc
//   Spawn.TestHost current-process
//       see SelfScenario.cs: CurrentProcess's group, signal and exit calls on this process.
//   Spawn.TestHost peak-above-ours
//       see PeakScenario.cs: a child whose peak memory is above this process's reports it.
//   Spawn.TestHost sigchld-ignored RUNS
//   Spawn.TestHost signal-storm CYCLES
//   Spawn.TestHost starved-pool | starved-pool-handles
//   Spawn.TestHost tree-nofile | tree-starved | tree-orphan kill|failfast
//       fault scenarios (Faults/): a sandbox that refuses pidfds, RLIMIT_NOFILE / RLIMIT_NPROC
//       exhausted, SIGCHLD inherited as ignored, a flood of signals, synchronous Command calls and
//       handle waits with the thread pool starved, process trees at the fd limit, with the thread
//       pool starved, and outliving us; each prints a summary line and exits 0 when Spawn behaved
//       (3: trees cannot be used here).
//
// Bad usage or a failed start: a message on stderr, exit 2.

using System.Globalization;
using System.Runtime.Versioning;
using Spawn;
using Spawn.TestHost.Faults;

[assembly: SupportedOSPlatform("linux")]

if (args is ["beside-process", var runs] && int.TryParse(runs, CultureInfo.InvariantCulture, out int count))
{
    return BesideProcess.Run(count);
}

switch (args)
{
    case ["seccomp", string errnoName, string sandboxRuns, ..]:
        return Sandbox.Run(errnoName, int.Parse(sandboxRuns, CultureInfo.InvariantCulture), args.Length > 3 ? args[3] : "all");
    case ["exhaust-nofile", ..]:
        return Exhaustion.Nofile(cold: args is [_, "cold"]);
    case ["peak-above-ours"]:
        return Spawn.TestHost.PeakScenario.Run();
    case ["current-process"]:
        return Spawn.TestHost.SelfScenario.Run();
    case ["exhaust-nproc"]:
        return Exhaustion.Nproc();
    case ["sigchld-ignored", string ignoredRuns, ..]:
        return SigchldIgnored.Run(args, int.Parse(ignoredRuns, CultureInfo.InvariantCulture));
    case ["signal-storm", string cycles]:
        return SignalStorm.Run(int.Parse(cycles, CultureInfo.InvariantCulture));
    case ["starved-pool"]:
        return StarvedPool.Run();
    case ["starved-pool-handles"]:
        return StarvedPoolHandles.Run();
    case ["tree-nofile"]:
        return Trees.Nofile();
    case ["tree-starved"]:
        return Trees.Starved();
    case ["tree-orphan", "kill" or "failfast"]:
        return Trees.Orphan(args[1]);
}

if (args.Length < 3 || args[0] is not ("parent-death" or "parent-death-exact") || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int signal))
{
    Console.Error.WriteLine("usage: Spawn.TestHost parent-death[-exact] SIGNAL PROGRAM [ARGS...]");
    return 2;
}

ProcessHandle child;
try
{
    child = ProcessHandle.Start(args[2], args[2..], new StartOptions { ParentDeathSignal = signal, ExactPeakMemory = args[0] == "parent-death-exact" });
}
catch (Exception e) when (e is SpawnException or PlatformNotSupportedException)
{
    Console.Error.WriteLine($"Spawn.TestHost: {e.Message}");
    return 2;
}
Console.WriteLine($"pid {child.Pid}");
Console.WriteLine($"path {ProcessHandle.SpawnPath}");
Console.Out.Flush();
Thread.Sleep(Timeout.Infinite);
return 0;
