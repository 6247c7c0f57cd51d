using System.Runtime.InteropServices;

namespace Spawn.Internal;

/// <summary>
/// PID mode's replacement for the exit watcher: where pidfds cannot be used there is nothing to
/// poll for an exit, so on every SIGCHLD (through PosixSignalRegistration, which leaves .NET's own
/// SIGCHLD handling in place) it tries a non-blocking reap of each live child Spawn started. That
/// is one waitpid per live child per SIGCHLD: the scan handle mode avoids.
/// </summary>
internal static class ChildReaper
{
    private static readonly Lock s_lock = new();
    private static readonly HashSet<ProcessHandle> s_children = [];
    private static PosixSignalRegistration? s_registration;

    /// <summary>Tracks a new child; then checks it once, in case it exited before it was tracked.</summary>
    internal static void Track(ProcessHandle child)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException();
        lock (s_lock)
        {
            s_registration ??= PosixSignalRegistration.Create(PosixSignal.SIGCHLD, static _ => ReapExited());
            s_children.Add(child);
        }
        child.TryReapByPid();
        // With SIGCHLD ignored (inherited SIG_IGN, which .NET leaves in place) the kernel sends no
        // SIGCHLD and reaps the child itself: nothing would ever complete an async wait. Poll.
        if (Interop.Sys.ChildrenAutoReaped()) _ = child.PollUntilReapedAsync();
    }

    internal static void Untrack(ProcessHandle child)
    {
        lock (s_lock)
        {
            s_children.Remove(child);
        }
    }

    private static void ReapExited()
    {
        ProcessHandle[] snapshot;
        lock (s_lock)
        {
            snapshot = [.. s_children];
        }
        foreach (ProcessHandle child in snapshot)
        {
            try
            {
                child.TryReapByPid();
            }
            catch (SpawnException)
            {
                // An unexpected wait4 error: the child stays tracked, and a blocking Wait reports it.
                // Throwing here would end the application from the runtime's signal thread.
            }
        }
    }
}
