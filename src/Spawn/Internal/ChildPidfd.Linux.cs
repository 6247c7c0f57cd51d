using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>The pidfd of a child just started by a path whose start gave none (posix_spawn, or clone where CLONE_PIDFD is refused).</summary>
internal static unsafe class ChildPidfd
{
    /// <summary>
    /// Opens the pidfd of a child we have not reaped yet, so it still names our child (-1 when
    /// another component reaped it already). If it cannot be opened for lack of descriptors or
    /// memory, the child is killed and reaped by pid (safe: only we may reap it) and the start fails.
    /// </summary>
    /// <exception cref="ProcessStartException">No pidfd could be opened; the child was killed and reaped.</exception>
    internal static int OpenOrKill(int pid, string path)
    {
        int fd = Sys.PidfdOpen(pid);
        if (fd >= 0) return fd;
        Errno errno = Errno.Last();
        if (errno == Errno.ESRCH) return -1; // another component reaped it already

        Sys.Kill(pid, Signals.SIGKILL);
        int status;
        int reaped;
        do
        {
            reaped = Sys.Wait4(pid, &status, 0, null);
        }
        while (Eintr.Interrupted(reaped));
        throw new ProcessStartException(path, errno, "the child started but its pidfd could not be opened, so it was killed");
    }
}
