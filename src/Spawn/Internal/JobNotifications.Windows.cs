using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Tells a process tree on Windows when its job has no process left, without polling: every watched
/// job posts its messages to one I/O completion port, which one thread for the whole process reads
/// (as the epoll reactor serves every pidfd on Linux). A job is never signalled when it empties;
/// JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO on its completion port is how Windows says so.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class JobNotifications
{
    private static readonly Lock s_lock = new();
    private static readonly ConcurrentDictionary<nuint, Action> s_onEmpty = new();
    private static Kernel32.OwnedHandle? s_port;
    private static long s_nextKey;

    /// <summary>Calls <paramref name="onEmpty"/> (on the notification thread) when the job's last process ends; the key stops it.</summary>
    /// <exception cref="SpawnException">The port or the job's association with it could not be had.</exception>
    internal static nuint Watch(JobObject job, Action onEmpty)
    {
        Kernel32.OwnedHandle port = Port();
        nuint key = (nuint)Interlocked.Increment(ref s_nextKey);
        s_onEmpty[key] = onEmpty;
        if (!job.PostMessagesTo(port, key))
        {
            int error = Marshal.GetLastPInvokeError();
            s_onEmpty.TryRemove(key, out _);
            throw new SpawnException($"Watching a job object failed: {WindowsError.Describe(error)}", Errno.EINVAL);
        }
        return key;
    }

    /// <summary>No more calls for this key (a message already queued finds nobody).</summary>
    internal static void Forget(nuint key) => s_onEmpty.TryRemove(key, out _);

    private static Kernel32.OwnedHandle Port()
    {
        lock (s_lock)
        {
            if (s_port is not null) return s_port;
            Kernel32.OwnedHandle port = Kernel32.CreateIoCompletionPort(-1, 0, 0, 1);
            if (port.IsInvalid)
            {
                int error = Marshal.GetLastPInvokeError();
                port.Dispose();
                throw new SpawnException($"Creating an I/O completion port failed: {WindowsError.Describe(error)}", Errno.ENOMEM);
            }
            // Lives as long as the process, as the port does; a background thread never holds up the exit.
            new Thread(() => Loop(port)) { IsBackground = true, Name = "Spawn job notifications" }.Start();
            return s_port = port;
        }
    }

    private static void Loop(Kernel32.OwnedHandle port)
    {
        while (true)
        {
            // Without a timeout it fails only when the port itself is gone, which it never is while we run.
            if (!Kernel32.GetQueuedCompletionStatus(port, out uint message, out nuint key, out _, Kernel32.INFINITE)) return;
            if (message == Kernel32.JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO && s_onEmpty.TryRemove(key, out Action? onEmpty)) onEmpty();
        }
    }
}
