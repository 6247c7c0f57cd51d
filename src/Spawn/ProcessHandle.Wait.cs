using Spawn.Internal;

namespace Spawn;

public sealed partial class ProcessHandle
{
    /// <summary>
    /// Blocks until the process has exited and returns how it ended. For a child, reaps it and
    /// collects its resource usage; a stopped child does not end the wait. Idempotent: every call,
    /// concurrent or later, returns the same <see cref="ProcessState"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
    public ProcessState Wait()
    {
        while (true)
        {
            if (_state is { } state) return state;
            if (Pidfd is not null) WaitByPidfd();
            else WaitByPid();
        }
    }

    /// <summary>
    /// Completes when the process has exited, with how it ended. Idempotent, like <see cref="Wait"/>.
    /// No thread waits for it: in handle mode one shared epoll thread watches every pidfd.
    /// </summary>
    /// <param name="cancellationToken">Cancels this wait only; the process is left alone.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
    public Task<ProcessState> WaitAsync(CancellationToken cancellationToken = default)
    {
        if (_state is { } known) return Task.FromResult(known);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<ProcessState>(cancellationToken);

        Task<ProcessState> task;
        bool firstWaiter;
        lock (_sync)
        {
            if (_state is { } state) return Task.FromResult(state);
            if (Volatile.Read(ref _status) == Released) throw Disposed();
            firstWaiter = _exited is null;
            _exited ??= new TaskCompletionSource<ProcessState>(TaskCreationOptions.RunContinuationsAsynchronously);
            task = _exited.Task;
        }
        // Children are watched from the start; a non-child is watched once someone waits.
        if (firstWaiter && !IsChild) WatchNonChild();
        return cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;
    }

    private void WatchNonChild()
    {
        if (Pidfd is null)
        {
            _ = PollUntilGoneAsync();
            return;
        }
        if (Acquire() != Running) return; // finished or disposed meanwhile: both complete the waiters
        try
        {
            ExitWatcher.Register(this, Pidfd);
            // A Dispose that ran meanwhile may have read WatchId before it was set: undo the registration.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _status) == Released) StopWatchingNonChild();
        }
        catch (SpawnException e)
        {
            lock (_sync)
            {
                _exited!.TrySetException(e);
            }
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
    }
}
