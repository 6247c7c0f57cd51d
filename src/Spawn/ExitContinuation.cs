namespace Spawn;

/// <summary>
/// Where the continuations of an exit wait run once the process has exited: for
/// <see cref="ProcessHandle.WaitAsync(ExitContinuation, CancellationToken)"/>, as the default of a
/// handle (<see cref="StartOptions.ExitContinuation"/>), and for a command's run
/// (<see cref="Command.WithExitContinuation"/>).
/// </summary>
public enum ExitContinuation
{
    /// <summary>
    /// The default: continuations are queued to the thread pool, so no code of the caller's ever runs
    /// on a thread of Spawn's. The exit then costs two wake-ups, the thread that sees it and a pool
    /// worker, and on a busy machine the second is most of the tail latency.
    /// </summary>
    ThreadPool = 0,

    /// <summary>
    /// Continuations run synchronously on the thread that completes the wait, with no hand-off:
    /// usually Spawn's exit-watcher thread (the one epoll thread that watches every process, or in PID
    /// mode the one child-reaper thread), sometimes a thread of the caller's that was blocked in a
    /// synchronous wait for the same process and reaped it. One wake-up from the exit to the
    /// continuation, as a thread blocked in <c>waitid</c> has.
    /// </summary>
    /// <remarks>
    /// Only for continuations that are short and never block: while one runs, Spawn's exit-watcher
    /// thread notices no other process's exit, reaps nothing and, in handle mode, reads none of the
    /// pipes it drains, for every process in this program. A continuation that waits synchronously for
    /// something Spawn's thread would complete (another process's exit, a command's output) never
    /// returns. Hand longer work on with <c>Task.Run</c> or an <c>await</c> of something that yields.
    /// Of several continuations of one wait's task, .NET runs one inline and queues the others to the
    /// thread pool, as it does for any task.
    /// This is the contract of .NET's <c>System.Net.Sockets.InlineCompletions</c>.
    /// </remarks>
    Inline = 1,
}
