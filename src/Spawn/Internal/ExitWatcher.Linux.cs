using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Watches pidfds on the <see cref="EpollReactor"/>: a pidfd turns readable when its process exits.
/// Every child is registered at start, so each is reaped as soon as it exits whether or not anyone
/// waits (no zombie build-up, nothing for .NET's SIGCHLD handling to scan). A non-child is
/// registered only while someone awaits it. Each registration holds a reference on the pidfd, so
/// the descriptor stays open until it has been removed from the epoll set.
/// </summary>
internal static class ExitWatcher
{
    /// <summary>Adds a one-shot registration for <paramref name="process"/>; the caller holds a reference on <paramref name="pidfd"/>.</summary>
    internal static void Register(PidfdWaitState process, SafePidfdHandle pidfd)
    {
        bool added = false;
        pidfd.DangerousAddRef(ref added);
        try
        {
            process.WatchId = EpollReactor.Register(pidfd.Fd, Sys.EPOLLIN | Sys.EPOLLONESHOT, process);
        }
        catch
        {
            pidfd.DangerousRelease();
            throw;
        }
    }

    /// <summary>
    /// Ends registration <paramref name="id"/>. True for the one caller that removed it, which then
    /// owns the exit (or the cancellation) and must call <see cref="Release"/>. The pidfd leaves the
    /// epoll set only in <see cref="Release"/>, so the reactor can publish an exit before that
    /// system call (a one-shot registration that fired stays disarmed meanwhile).
    /// </summary>
    internal static bool Claim(ulong id) => EpollReactor.Forget(id);

    /// <summary>Removes the claimed pidfd from the epoll set, then drops the registration's reference.</summary>
    internal static void Release(SafePidfdHandle pidfd)
    {
        EpollReactor.Detach(pidfd.Fd);
        pidfd.DangerousRelease();
    }
}
