using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>Something the reactor tells when its descriptor is ready.</summary>
internal interface IEpollHandler
{
    /// <summary>Runs on the reactor thread: must be short and must not block.</summary>
    void OnReady(ulong registration, uint events);
}

/// <summary>
/// One thread, one epoll instance, for every descriptor Spawn waits on: pidfds (readable when the
/// process exits) and the parent's ends of child pipes (readable / writable). No thread per child
/// or per pipe; handlers only complete tasks, whose continuations run on the thread pool.
/// </summary>
/// <remarks>
/// The epoll data is a registration number that is never reused, so an event collected for a
/// registration that was removed meanwhile finds nothing and is ignored. Callers keep their
/// descriptor open (a SafeHandle reference) while it is registered and remove it
/// (<see cref="Unregister"/>, EPOLL_CTL_DEL) before closing it.
/// </remarks>
internal static unsafe class EpollReactor
{
    private const int BatchSize = 256;

    private static readonly Lock s_lock = new();
    private static readonly Dictionary<ulong, IEpollHandler> s_handlers = [];
    private static ulong s_lastId;
    private static int s_epollFd = -1;

    /// <summary>Adds <paramref name="fd"/> with <paramref name="events"/>; returns the registration number.</summary>
    internal static ulong Register(int fd, uint events, IEpollHandler handler)
    {
        int epollFd = EnsureStarted();
        ulong id;
        lock (s_lock)
        {
            id = ++s_lastId;
            s_handlers.Add(id, handler);
        }
        byte* evt = stackalloc byte[16];
        EpollEvent.Write(evt, events, id);
        if (Sys.EpollCtl(epollFd, Sys.EPOLL_CTL_ADD, fd, evt) != 0)
        {
            Errno errno = Errno.Last();
            lock (s_lock)
            {
                s_handlers.Remove(id);
            }
            throw SpawnException.FromErrno("Adding a descriptor to Spawn's epoll instance (epoll_ctl)", errno);
        }
        return id;
    }

    /// <summary>Re-arms a one-shot registration with <paramref name="events"/> (EPOLL_CTL_MOD).</summary>
    internal static void Rearm(ulong id, int fd, uint events)
    {
        byte* evt = stackalloc byte[16];
        EpollEvent.Write(evt, events, id);
        if (Sys.EpollCtl(s_epollFd, Sys.EPOLL_CTL_MOD, fd, evt) != 0)
        {
            throw SpawnException.FromErrno("Re-arming a descriptor in Spawn's epoll instance (epoll_ctl)", Errno.Last());
        }
    }

    /// <summary>
    /// Removes a registration (EPOLL_CTL_DEL). Returns false when it was already removed, so of
    /// several racing callers exactly one gets true and owns the cleanup.
    /// </summary>
    internal static bool Unregister(ulong id, int fd)
    {
        if (!Forget(id)) return false;
        Detach(fd);
        return true;
    }

    /// <summary>
    /// The first half of <see cref="Unregister"/>: forgets the registration, so an event already
    /// collected for it is ignored. True for the one caller that removed it. The descriptor stays in
    /// the epoll set until <see cref="Detach"/>, which must come before it is closed.
    /// </summary>
    internal static bool Forget(ulong id)
    {
        lock (s_lock)
        {
            return id != 0 && s_handlers.Remove(id);
        }
    }

    /// <summary>The second half of <see cref="Unregister"/>: EPOLL_CTL_DEL.</summary>
    internal static void Detach(int fd) => _ = Sys.EpollCtl(s_epollFd, Sys.EPOLL_CTL_DEL, fd, null);

    private static int EnsureStarted()
    {
        int fd = Volatile.Read(ref s_epollFd);
        if (fd >= 0) return fd;
        lock (s_lock)
        {
            if (s_epollFd >= 0) return s_epollFd;
            fd = Sys.EpollCreate1(Sys.EPOLL_CLOEXEC);
            if (fd < 0) throw SpawnException.FromErrno("Creating Spawn's epoll instance", Errno.Last());
            var thread = new Thread(Run) { IsBackground = true, Name = "Spawn epoll reactor" };
            try
            {
                thread.UnsafeStart(fd);
            }
            catch (OutOfMemoryException)
            {
                // No thread (at the open-file or process limit, typically): close the instance, or
                // every later attempt would leak one more, and fail typed; the next call tries again.
                // (Which limit is told while the instance still holds its descriptor.)
                SpawnException failure = SpawnException.ThreadStartFailed("Spawn's epoll thread");
                _ = Sys.Close(fd);
                throw failure;
            }
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
            // A negative count is EINTR: the only error a valid epoll fd and buffer can give.
            int count = Sys.EpollWait(epollFd, events, BatchSize, -1);
            for (int i = 0; i < count; i++)
            {
                byte* record = events + (i * EpollEvent.Size);
                ulong id = EpollEvent.ReadData(record);
                IEpollHandler? handler;
                lock (s_lock)
                {
                    s_handlers.TryGetValue(id, out handler);
                }
                try
                {
                    handler?.OnReady(id, EpollEvent.ReadEvents(record));
                }
#pragma warning disable CA1031 // An exception escaping this thread would end the whole application.
                catch (Exception)
                {
                    // Handlers report their own failures to their waiters; this is the last line.
                }
#pragma warning restore CA1031
            }
        }
    }
}
