using System.Globalization;

namespace Spawn.Cli;

/// <summary>
/// Where `spawn run` delivers a signal, by mode: GNU timeout's default (the program and the process
/// group we made for it and ourselves), --foreground (the program only), or, with --group or
/// --tree, everything the command runs as the library's cancellation reaches it
/// (<see cref="ChildProcess.SignalAll"/>, as with --pty: its cgroup, or its own group and the descendants a walk
/// finds). After a signal that does not end it by itself, SIGCONT follows, so a stopped program
/// still gets it (not with --foreground: GNU timeout sends nothing more there).
/// </summary>
internal sealed class SignalTarget(ChildProcess child, RunOptions options, Func<int, bool> canSwallow)
{
    private readonly HashSet<int> _ignored = [];

    /// <summary>
    /// The process group the program is in, to compare with the terminal's foreground group:
    /// ours unless --group made it one of its own.
    /// </summary>
    internal int ProgramGroup { get; } = options.Group || options.Pty || !OperatingSystem.IsLinux() ? child.Pid : CurrentProcess.ProcessGroupId;

    /// <summary>True once we sent <paramref name="signal"/> to our own group: later copies reaching us are ignored, as GNU timeout ignores them.</summary>
    internal bool Ignores(int signal)
    {
        lock (_ignored) return _ignored.Contains(signal);
    }

    internal void Send(int signal)
    {
        try
        {
            SendOnly(signal);
            // As GNU timeout, except with --foreground, where it sends nothing more (nor on Windows: the program has ended).
            if (signal is not Signals.SIGKILL and not Signals.SIGCONT && !options.Foreground && OperatingSystem.IsLinux()) SendOnly(Signals.SIGCONT);
        }
        catch (ObjectDisposedException)
        {
            // The run is over.
        }
    }

    private void SendOnly(int signal)
    {
        // --pty: the program leads a session, and so a group, of its own. On Windows, where a signal
        // cannot be sent, the library's cancellation terminates the command's job object (its tree's
        // with --tree), whatever the signal.
        if (options.Tree || options.Group || options.Pty || !OperatingSystem.IsLinux())
        {
            child.SignalAll(signal);
            return;
        }
        if (options.Foreground)
        {
            child.Signal(signal);
            return;
        }
        // Through the group when the program is still in it, so it gets the signal once (GNU timeout
        // sends to both, and a program that handles the first sees the second); directly as well
        // when it has left for a group of its own.
        SignalOwnGroup(signal);
        if (child.Handle.GetProcessGroupId() is int group && group != CurrentProcess.ProcessGroupId) child.Signal(signal);
    }

    /// <summary>
    /// GNU timeout's kill(0, signal) without hitting ourselves: where our handler can swallow the copy
    /// that reaches us, the group is signalled at once (atomically, as the kernel does it); otherwise
    /// (SIGKILL, signals .NET cannot catch) each member but us is signalled, found in /proc, until
    /// a pass finds nobody new.
    /// </summary>
    private void SignalOwnGroup(int signal)
    {
        if (signal is Signals.SIGCONT || canSwallow(signal))
        {
            lock (_ignored) _ignored.Add(signal);
            try
            {
                CurrentProcess.SignalProcessGroup(signal);
            }
            catch (SpawnException)
            {
                // Nobody in the group could be signalled; the program is signalled directly below when it left.
            }
            return;
        }
        var signalled = new HashSet<int>();
        for (int pass = 0; pass < 100; pass++)
        {
            bool any = false;
            foreach (int pid in GroupMembers(CurrentProcess.ProcessGroupId))
            {
                if (signalled.Add(pid) && SignalMember(pid, signal)) any = true;
            }
            if (!any) break;
        }
    }

    /// <summary>A group member found in /proc, signalled through a handle (so a PID that was reused since is never hit); false when it is gone or not ours to signal.</summary>
    private static bool SignalMember(int pid, int signal)
    {
        try
        {
            using ProcessHandle member = ProcessHandle.Find(pid);
            return member.Signal(signal);
        }
        catch (SpawnException)
        {
            return false; // EPERM: not ours to signal, as kill(2) would have said
        }
    }

    private static IEnumerable<int> GroupMembers(int group)
    {
        int self = Environment.ProcessId;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == self) continue;
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // gone meanwhile
            }
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so read after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 2 && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out int pgrp) && pgrp == group) yield return pid;
        }
    }
}
