// A process that starts children through Spawn, for tests that need Spawn outside the test runner.
//
//   Spawn.TestHost parent-death SIGNAL PROGRAM [ARGS...]
//       starts PROGRAM (argv[0] = PROGRAM) with StartOptions.ParentDeathSignal = SIGNAL (a number),
//       prints "pid N" and "path P" (ProcessHandle.SpawnPath), then sleeps until killed.
//   Spawn.TestHost beside-process RUNS
//       see BesideProcess.cs: Spawn and System.Diagnostics.Process interleaved in one process
//       (run as PID 1 of a new PID namespace by the tests, where .NET reaps every child).
//
// Bad usage or a failed start: a message on stderr, exit 2.

using System.Globalization;
using System.Runtime.Versioning;
using Spawn;

[assembly: SupportedOSPlatform("linux")]

if (args is ["beside-process", var runs] && int.TryParse(runs, CultureInfo.InvariantCulture, out int count))
{
    return BesideProcess.Run(count);
}

if (args.Length < 3 || args[0] != "parent-death" || !int.TryParse(args[1], CultureInfo.InvariantCulture, out int signal))
{
    Console.Error.WriteLine("usage: Spawn.TestHost parent-death SIGNAL PROGRAM [ARGS...]");
    return 2;
}

ProcessHandle child;
try
{
    child = ProcessHandle.Start(args[2], args[2..], new StartOptions { ParentDeathSignal = signal });
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
