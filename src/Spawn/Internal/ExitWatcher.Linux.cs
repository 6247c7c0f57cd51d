using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// One thread, one epoll instance, for every pidfd being watched: a pidfd turns readable when its
/// process exits. Every child is registered at start, so each is reaped as soon as it exits whether
/// or not anyone waits (no zombie build-up, nothing for .NET's SIGCHLD handling to scan). A
/// non-child is registered only while someone awaits it.
/// </summary>
/// <remarks>
/// Each registration holds a reference on the pidfd, so the descriptor cannot be closed while it
/// is in the epoll set; it is removed (EPOLL_CTL_DEL) before that reference is dropped. The epoll
/// data is a registration number that is never reused, so an event that was already collected
/// for a registration removed meanwhile finds nothing and is ignored.
/// </remarks>
internal static unsafe class ExitWatcher
{
    private const int BatchSize = 256;

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<ulong, ProcessHandle> s_registered = [];
    private static ulong s_lastId;
    private static int s_epollFd = -1;

    /// <summary>
    /// Adds <paramref name="process"/>'s pidfd to the epoll set (one-shot). The caller holds a
    /// reference on <paramref name="pidfd"/>; the registration takes its own.
    /// </summary>
    internal static void Register(ProcessHandle process, SafePidfdHandle pidfd)
    {
        int epollFd = EnsureStarted();
        bool added = false;
        pidfd.DangerousAddRef(ref added);
        ulong id;
        lock (s_lock)
        {
            id = ++s_lastId;
            s_registered.Add(id, process);
            process.WatchId = id;
        }
        byte* evt = stackalloc byte[16];
        EpollEvent.Write(evt, Sys.EPOLLIN | Sys.EPOLLONESHOT, id);
        if (Sys.EpollCtl(epollFd, Sys.EPOLL_CTL_ADD, pidfd.Fd, evt) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            lock (s_lock)
            {
                s_registered.Remove(id);
                process.WatchId = 0;
            }
            pidfd.DangerousRelease();
            throw SpawnException.FromErrno("Adding a pidfd to the exit watcher (epoll_ctl)", errno);
        }
    }

    /// <summary>Removes a registration made for a non-child's wait; false if it was already gone.</summary>
    internal static bool Unregister(ProcessHandle process, SafePidfdHandle pidfd)
    {
        lock (s_lock)
        {
            if (process.WatchId == 0 || !s_registered.Remove(process.WatchId)) return false;
            process.WatchId = 0;
        }
        Sys.EpollCtl(s_epollFd, Sys.EPOLL_CTL_DEL, pidfd.Fd, null);
        pidfd.DangerousRelease();
        return true;
    }

    private static int EnsureStarted()
    {
        int fd = Volatile.Read(ref s_epollFd);
        if (fd >= 0) return fd;
        lock (s_lock)
        {
            if (s_epollFd >= 0) return s_epollFd;
            fd = Sys.EpollCreate1(Sys.EPOLL_CLOEXEC);
            if (fd < 0) throw SpawnException.FromErrno("Creating the exit watcher's epoll instance", Marshal.GetLastPInvokeError());
            var thread = new Thread(Run) { IsBackground = true, Name = "Spawn exit watcher" };
            thread.UnsafeStart(fd);
            Volatile.Write(ref s_epollFd, fd);
            return fd;
        }
    }

    private static void Run(object? state)
    {
        int epollFd = (int)state!;
        byte* events = stackalloc byte[BatchSize * 16];
        while (true)
        {
            int count = Sys.EpollWait(epollFd, events, BatchSize, -1);
            if (count < 0)
            {
                // EINTR is the only error a valid epoll fd can give here.
                continue;
            }
            for (int i = 0; i < count; i++)
            {
                Dispatch(epollFd, EpollEvent.ReadData(events + (i * EpollEvent.Size)));
            }
        }
    }

    private static void Dispatch(int epollFd, ulong id)
    {
        ProcessHandle? process;
        lock (s_lock)
        {
            if (!s_registered.Remove(id, out process)) return; // unregistered meanwhile
            process.WatchId = 0;
        }
        SafePidfdHandle pidfd = process.Pidfd!;
        try
        {
            // Our reference keeps the fd open, even if the owner has disposed the handle.
            process.OnExited(pidfd.Fd);
        }
        finally
        {
            Sys.EpollCtl(epollFd, Sys.EPOLL_CTL_DEL, pidfd.Fd, null);
            pidfd.DangerousRelease();
        }
    }
}
