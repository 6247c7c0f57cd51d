using Spawn;

namespace Spawn.TestHost;

/// <summary>
/// `Spawn.TestHost current-process`: CurrentProcess's calls on this process, which would change the
/// test runner's own state: lead a new group (checked before anything is sent to "our group", which
/// would otherwise be the runner's), ignore SIGUSR1, signal the group (a child Spawn started in it,
/// with every signal at its default, dies of it; we do not), then end by SIGTERM.
/// </summary>
internal static class SelfScenario
{
    internal static int Run()
    {
        if (!CurrentProcess.TryLeadNewProcessGroup() || CurrentProcess.ProcessGroupId != Environment.ProcessId)
        {
            Console.Error.WriteLine($"could not lead a group of our own (group {CurrentProcess.ProcessGroupId}, pid {Environment.ProcessId})");
            return 1;
        }
        CurrentProcess.IgnoreSignal(Signals.SIGUSR1);
        using ProcessHandle child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        if (child.GetProcessGroupId() != Environment.ProcessId)
        {
            Console.Error.WriteLine($"the child is in group {child.GetProcessGroupId()}, not ours");
            child.Kill();
            child.Wait();
            return 1;
        }
        CurrentProcess.SignalProcessGroup(Signals.SIGUSR1);
        ProcessState state = child.Wait();
        Console.WriteLine($"child signal {state.Signal}; group {CurrentProcess.ProcessGroupId}; still here");
        Console.Out.Flush();
        CurrentProcess.ExitBySignal(Signals.SIGTERM);
        Console.Error.WriteLine("ExitBySignal returned");
        return 1;
    }
}
