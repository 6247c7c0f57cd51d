using System.Diagnostics;
using Spawn.Internal;

namespace Spawn;

// The end of a run: the exit, then the copies, then the result.
//
// Completion follows the child's exit, not its descendants: at the exit, the pipes Spawn made for
// itself (the stderr tail's, a stdin feed) are drained of what is in them and closed, whatever
// else still holds them. The pipes the caller asked for (a capture, streamed lines, a sink) are
// read to their end, for as long as the wait delay allows; after a cancellation or timeout, for
// DefaultCancelWaitDelay when no wait delay was given.
//
// Two drivers run the same steps, each step at most once whichever gets there first: the async one
// (WaitForCompletionAsync, started once, on thread-pool continuations), and a blocking caller
// (Wait, Dispose) on its own thread, which also enforces the timeout, the grace period and the
// pipes' bound itself, so that a blocking call completes with the thread pool starved. The result
// goes to a task created with RunContinuationsAsynchronously: awaiters resume on the pool, while a
// blocking wait on it is woken by whichever thread completes it. A command with
// ExitContinuation.Inline drives on the thread that sees the exit and completes the result there,
// its awaiters resuming on that thread too (hopping to the pool first to end descendants or a tree).
public sealed partial class ChildProcess
{
    /// <summary>After a cancellation or timeout, how long the copies may wait for pipes held open by something else, unless <see cref="Command.WaitDelay"/> says otherwise.</summary>
    internal static readonly TimeSpan DefaultCancelWaitDelay = TimeSpan.FromSeconds(1);

    /// <summary>A blocking wait that may have to act on a cancellation looks again this often.</summary>
    private const int BlockingSliceMilliseconds = 50;

    private static readonly Task<TreeUsage?> s_noTree = Task.FromResult<TreeUsage?>(null);

    /// <summary>
    /// The result, for every waiter. Its task's state is the run's span (see <see cref="Run"/>), or
    /// null when nobody listened at the start.
    /// </summary>
    private readonly TaskCompletionSource<CommandResult> _result;
    private readonly Task[] _pumps;

    /// <summary>All the pumps, for the async driver. A blocking wait looks at each pump instead: Task.WhenAll completes through a thread-pool item when its tasks run their continuations asynchronously.</summary>
    private readonly Task _pumpsDone;

    /// <summary>
    /// Guards the end of the run (exit, pipes' bound, tree, descendants). The slots array, which
    /// nothing else locks and every child has, serves as the monitor: a lock object of its own
    /// would make every live child larger.
    /// </summary>
    private object EndLock => _slots;
    private int _driving;
    private int _exitHandled;
    private ProcessState? _exitState;
    private DateTimeOffset _exitTime;
    private long _cutDeadline = long.MaxValue;
    private Timer? _cutTimer;
    private volatile bool _waitDelayExpired;
    private Task<TreeUsage?>? _treeEnd;
    private int _finished;

    /// <summary>
    /// The run's span, or null. It is kept as the state of <see cref="_result"/>'s task, which has a
    /// field for one anyway: a field of its own would make every run a little larger, listened to or not.
    /// </summary>
    private Activity? Run => (Activity?)_result.Task.AsyncState;

    private static Task[] StartPumps(StdioSlot[] slots, StderrTail? stderrTail)
    {
        int count = 0;
        foreach (StdioSlot slot in slots) if (slot.Pump is not null) count++;
        if (count == 0) return [];
        var pumps = new Task[count];
        count = 0;
        for (int fd = 0; fd < slots.Length; fd++)
        {
            if (slots[fd].Pump is not { } pump) continue;
            // What Spawn reads for the caller counts as captured; the stderr tail's pipe does not.
            if (!slots[fd].OwnedBySpawn) slots[fd].OurEnd!.CountReadsAs(fd == 1 ? CapturedStream.Stdout : CapturedStream.Stderr);
            pumps[count++] = pump(slots[fd].OurEnd!, fd == 2 ? stderrTail : null);
        }
        return pumps;
    }

    /// <summary>
    /// Waits for the exit and for every copy between the child's pipes and the caller, then closes
    /// the pipes. Throws as <see cref="Command.RunAsync"/> does: <see cref="CommandTimeoutException"/>,
    /// <see cref="CommandCanceledException"/>, or <see cref="CommandFailedException"/> for a non-zero
    /// exit while exit codes are validated.
    /// </summary>
    /// <param name="cancellationToken">Cancels this wait only (the token given at start cancels the process).</param>
    public async Task<CommandResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        CommandResult result = await WaitForCompletionAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        Validate(result);
        return result;
    }

    /// <summary>
    /// The blocking form of <see cref="WaitAsync"/>. It runs on the calling thread (and Spawn's own),
    /// timeout and cancellation included, so it completes with the thread pool starved; only a copy
    /// into a sink that runs the caller's code (a stream, a StringBuilder, a delegate) or from a stdin
    /// source needs a pool thread.
    /// </summary>
    public CommandResult Wait()
    {
        CommandResult result = WaitForCompletion();
        Validate(result);
        return result;
    }

    /// <summary>Exit plus copies, without validation; started once, shared by every waiter.</summary>
    internal Task<CommandResult> WaitForCompletionAsync()
    {
        if (Interlocked.Exchange(ref _driving, 1) == 0) _ = DriveAsync();
        return _result.Task;
    }

    internal void Validate(CommandResult result) => ThrowIfFailed(result, _stderrTail?.ToString(), _cancellationToken);

    /// <summary>The exception a run ends with when it did not succeed and the command throws on failure.</summary>
    internal static void ThrowIfFailed(CommandResult result, string? stderrTail, CancellationToken token)
    {
        Command command = result.Command;
        if (!command.ThrowsOnFailure) return;
        switch (result.Outcome)
        {
            case CommandOutcome.TimedOut:
                throw new CommandTimeoutException(result, command.Timeout ?? TimeSpan.Zero);
            case CommandOutcome.Canceled:
                throw new CommandCanceledException($"Command was cancelled and ended with {result.State}: {result.Describe()}", result, token);
        }
        if (command.ValidatesExitCode && !result.Success)
        {
            throw new CommandFailedException(result, stderrTail);
        }
    }

    /// <summary>The async driver. Never throws: the outcome goes to the result.</summary>
    private async Task DriveAsync()
    {
        try
        {
            // Inline, this goes on on the thread that saw the exit (the wait's default is the command's).
            ProcessState state = await _wait.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            // Ending descendants or a tree walks the process table or waits for a cgroup to empty:
            // not on the exit-watcher thread, which every other process's exit waits for.
            if (Command.ExitContinuation == ExitContinuation.Inline && (Tree is not null || Volatile.Read(ref _cancelReason) != NotCanceled))
            {
                await Task.Yield();
            }
            OnExited(state);
            TreeUsage? treeUsage = await EndTreeOnce().ConfigureAwait(false);
            await _pumpsDone.ConfigureAwait(false);
            Finish(treeUsage);
        }
#pragma warning disable CA1031 // Handed to every waiter through the result.
        catch (Exception e)
        {
            FinishFaulted(e);
        }
#pragma warning restore CA1031
    }

    /// <summary>The blocking driver: the same steps on the calling thread. Exit plus copies, without validation.</summary>
    internal CommandResult WaitForCompletion()
    {
        if (!_result.Task.IsCompleted)
        {
            try
            {
                OnExited(WaitForExitBlocking());
                TreeUsage? treeUsage = EndTreeOnce(blocking: true).GetAwaiter().GetResult();
                WaitForPumpsBlocking();
                Finish(treeUsage);
            }
#pragma warning disable CA1031 // As in DriveAsync.
            catch (Exception e)
            {
                FinishFaulted(e);
            }
#pragma warning restore CA1031
        }
        return _result.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The process has exited (run once): Spawn's own pipes are drained and closed, what a
    /// cancellation found still running is killed, and the caller's pipes get their bound.
    /// </summary>
    private void OnExited(ProcessState state)
    {
        lock (EndLock)
        {
            if (_exitHandled != 0) return;
            _exitTime = DateTimeOffset.UtcNow;
            _exitState = state;
            Volatile.Write(ref _exitHandled, 1);
        }
        ReleaseOwnPipes();
        // The child is gone: its terminal may be hung up now, when the copies close the master.
        Terminal?.Pair.ReleaseMaster();
        bool cancelled = Volatile.Read(ref _cancelReason) != NotCanceled;
        if (cancelled && Tree is null) KillDescendants();
        TimeSpan? bound = cancelled ? Command.WaitDelay ?? DefaultCancelWaitDelay : Command.WaitDelay;
        if (bound is { } delay && !PumpsDone) BoundPipes(delay);
    }

    /// <summary>
    /// The child's writes are all in its pipes now. The stderr tail's pipe is read until it is
    /// empty, then closed; a stdin feed is over (nothing more of the child reads it).
    /// </summary>
    private void ReleaseOwnPipes()
    {
        foreach (StdioSlot slot in _slots)
        {
            if (!slot.OwnedBySpawn || slot.OurEnd is not { } pipe) continue;
            if (slot.ChildWrites) pipe.FinishWhenEmpty();
            else pipe.Dispose();
        }
    }

    /// <summary>
    /// Ends the tree once for every waiter. <paramref name="blocking"/>: on the calling thread
    /// (ProcessTree.Dispose kills, waits and removes without the thread pool), for the blocking driver.
    /// </summary>
    private Task<TreeUsage?> EndTreeOnce(bool blocking = false)
    {
        if (Tree is null) return s_noTree;
        lock (EndLock)
        {
            return _treeEnd ??= blocking ? Task.FromResult(EndTreeBlocking()) : EndTreeAsync();
        }
    }

    private TreeUsage? EndTreeBlocking()
    {
        Tree!.Dispose();
        try
        {
            return Tree.GetUsage(); // what it had used when it was removed
        }
        catch (ObjectDisposedException)
        {
            return null; // removed before its usage could be read
        }
    }

    /// <summary>The command is over: end what it left running in its tree, then account for all of it.</summary>
    private async Task<TreeUsage?> EndTreeAsync()
    {
        Tree!.Kill();
        await Tree.WaitEmptyAsync().ConfigureAwait(false);
        TreeUsage usage = Tree.GetUsage();
        Tree.Dispose();
        return usage;
    }

    /// <summary>Waits for the exit on this thread, acting on the timeout and the grace period when they come.</summary>
    private ProcessState WaitForExitBlocking()
    {
        while (!Handle.HasExited)
        {
            long deadline = NextCancelDeadline();
            if (deadline == long.MaxValue) break;
            if (WaitForExitUntil(deadline)) break;
            EnforceCancelDeadlines();
        }
        return Handle.Wait();
    }

    /// <summary>True once the process has exited; false at <paramref name="deadline"/> (Environment.TickCount64).</summary>
    private bool WaitForExitUntil(long deadline) => _wait.WaitUntil(deadline);

    /// <summary>True once every copy has ended; needs no thread-pool thread, unlike <see cref="_pumpsDone"/>.</summary>
    private bool PumpsDone
    {
        get
        {
            foreach (Task pump in _pumps) if (!pump.IsCompleted) return false;
            return true;
        }
    }

    /// <summary>Waits for the copies on this thread, closing the pipes at their bound.</summary>
    private void WaitForPumpsBlocking()
    {
        foreach (Task pump in _pumps)
        {
            while (!pump.IsCompleted)
            {
                long remaining = Volatile.Read(ref _cutDeadline) - Environment.TickCount64;
                if (remaining <= 0)
                {
                    CutPipes();
                    break;
                }
                try
                {
                    // A bound may be set meanwhile (a cancellation): look again now and then.
                    pump.Wait((int)Math.Min(remaining, BlockingSliceMilliseconds * 2));
                }
                catch (AggregateException)
                {
                    break; // rethrown below, unwrapped
                }
            }
        }
        // After a cut, the copies end as their pipes close: wait for that, then report a failure.
        foreach (Task pump in _pumps) pump.GetAwaiter().GetResult();
    }

    /// <summary>The copies may wait for the caller's pipes <paramref name="delay"/> more at most, then the pipes are closed.</summary>
    private void BoundPipes(TimeSpan delay)
    {
        long deadline = Environment.TickCount64 + (long)delay.TotalMilliseconds;
        lock (EndLock)
        {
            if (deadline >= _cutDeadline || _finished != 0) return;
            Volatile.Write(ref _cutDeadline, deadline);
            long due = Math.Max(0, deadline - Environment.TickCount64);
            if (_cutTimer is null) _cutTimer = new Timer(static state => ((ChildProcess)state!).CutPipes(), this, due, Timeout.Infinite);
            else _cutTimer.Change(due, Timeout.Infinite);
        }
    }

    /// <summary>Go's WaitDelay: something still holds the pipes (a grandchild); stop waiting for it.</summary>
    private void CutPipes()
    {
        if (PumpsDone) return;
        _waitDelayExpired = true;
        ClosePipes();
    }

    private void Finish(TreeUsage? treeUsage)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return;
        ClosePipes();
        ReleaseCancellation();
        int reason = Volatile.Read(ref _cancelReason);
        var result = new CommandResult(Command, _exitState!, StartTime, _exitTime, _waitDelayExpired, treeUsage,
            canceled: reason == Canceled, timedOut: reason == TimedOut);
        CommandTelemetry.Completed(Run, result);
        _result.TrySetResult(result);
    }

    private void FinishFaulted(Exception e)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return;
        ClosePipes();
        ReleaseCancellation();
        CommandTelemetry.Faulted(Run, _exitState, e);
        _result.TrySetException(e);
    }
}
