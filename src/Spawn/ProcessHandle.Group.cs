namespace Spawn;

public sealed partial class ProcessHandle
{
    /// <summary>
    /// Sends <paramref name="signal"/> to the process group this process leads (its pgid is its pid).
    /// The caller has made sure the process was started as a group leader; otherwise its group
    /// would be ours. False once the leader is known to have finished.
    /// </summary>
    internal bool SignalGroup(int signal)
    {
        Signals.Validate(signal);
        // kill(-1) would signal every process we may signal; a PID 1 child is its namespace's init.
        if (Pid <= 1) throw new InvalidOperationException($"Refusing to signal process group {Pid}.");
        return Pidfd is not null ? SignalByPidfd(signal, group: true) : SignalByPid(signal, group: true);
    }
}
