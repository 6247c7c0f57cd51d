using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Spawn.Internal;

/// <summary>
/// The thread every child with a parent-death signal is cloned from. Linux sends that signal when
/// the thread that created the child exits, not the process, and .NET threads come and go (a
/// thread-pool thread retires when idle): a child cloned from one would get its signal while we
/// live on. This thread is never ended, so the signal comes when the process ends.
/// </summary>
internal static class ParentDeathThread
{
    private static readonly Lock s_lock = new();
    private static BlockingCollection<Action>? s_work;

    /// <summary>
    /// The thread's queue, the thread started on first use. Not in a static initializer: a thread
    /// that cannot start (at the open-file or process limit) would make that a
    /// TypeInitializationException for good; here the start fails typed and the next one retries.
    /// </summary>
    private static BlockingCollection<Action> Work()
    {
        lock (s_lock)
        {
            if (s_work is not null) return s_work;
            var work = new BlockingCollection<Action>();
            var thread = new Thread(() =>
            {
                foreach (Action item in work.GetConsumingEnumerable()) item();
            })
            {
                IsBackground = true,
                Name = "Spawn pdeathsig",
            };
            try
            {
                thread.Start();
            }
            catch (OutOfMemoryException)
            {
                work.Dispose();
                throw SpawnException.ThreadStartFailed("Spawn's parent-death thread");
            }
            return s_work = work;
        }
    }

    /// <summary>Runs the fast path's spawn step on the thread; the same contract (<see cref="ISpawnStep"/>).</summary>
    internal static int Spawn(string path, IReadOnlyList<string> argv, StartOptions options, bool wantPidfd, out int pidfd)
    {
        int pid = -1, fd = -1;
        ExceptionDispatchInfo? failure = null;
        // Not disposed: Set may still be finishing on the spawn thread when Wait returns here.
        var done = new ManualResetEventSlim();
        BlockingCollection<Action> work = Work();
        work.Add(() =>
        {
            try
            {
                pid = CloneSpawner.Instance.Spawn(path, argv, options, wantPidfd, out fd);
            }
#pragma warning disable CA1031 // Every exception goes back to the caller, rethrown there.
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            done.Set();
        });

        // Once queued, the child will exist and only this caller takes it over: an interrupt
        // (Thread.Interrupt) must not make us walk away from it, so it is kept for later.
        bool interrupted = false;
        while (true)
        {
            try
            {
                done.Wait();
                break;
            }
            catch (ThreadInterruptedException)
            {
                interrupted = true;
            }
        }
        if (interrupted) Thread.CurrentThread.Interrupt();

        failure?.Throw();
        pidfd = fd;
        return pid;
    }
}
