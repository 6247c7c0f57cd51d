using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Awaits readiness of one descriptor on the <see cref="EpollReactor"/>: registered once, then
/// re-armed one-shot for each wait. One wait may be pending at a time. Arming re-checks readiness,
/// so a change that happened since the caller last looked still fires.
/// </summary>
internal sealed class EpollWaiter : IEpollHandler
{
    private readonly SafeHandle _handle;
    private readonly Lock _lock = new();
    private ulong _registration;
    private TaskCompletionSource? _ready;
    private Action? _onReady;
    private bool _closed;
    private bool _interrupted;

    internal EpollWaiter(SafeHandle handle) => _handle = handle;

    /// <summary>Completes when the descriptor is ready (or the waiter is interrupted or closed meanwhile); continuations run on the thread pool.</summary>
    internal async Task WhenReady(uint events, CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Arm(events, ready, null)) return;
        if (!cancellationToken.CanBeCanceled)
        {
            await ready.Task.ConfigureAwait(false);
            return;
        }
        using (cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource)state!).TrySetCanceled(token), ready))
        {
            await ready.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Calls <paramref name="onReady"/> once when the descriptor is ready, on the thread that sees it:
    /// the reactor thread, or whichever thread interrupts or closes the waiter. Only for Spawn's own
    /// short, non-blocking code. No task is involved, so no continuation can ever be handed to the
    /// thread pool (an await that loses the race with the completion queues its continuation there).
    /// Returns false, arming nothing, when the waiter is interrupted: the caller goes on at once.
    /// </summary>
    internal bool WhenReadyCall(uint events, Action onReady) => Arm(events, null, onReady);

    /// <summary>Arms the one-shot registration for one waiter; false (nothing armed) once interrupted.</summary>
    private bool Arm(uint events, TaskCompletionSource? ready, Action? onReady)
    {
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_closed, _handle);
                if (_interrupted) return false;
                _ready = ready;
                _onReady = onReady;
                int fd = (int)_handle.DangerousGetHandle();
                if (_registration == 0) _registration = EpollReactor.Register(fd, events | Sys.EPOLLONESHOT, this);
                else EpollReactor.Rearm(_registration, fd, events | Sys.EPOLLONESHOT);
                return true;
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    void IEpollHandler.OnReady(ulong registration, uint events) => WakePending(interrupt: false, close: false);

    /// <summary>
    /// Wakes the pending wait and every later one at once, without closing anything: the owner
    /// stops waiting for readiness (it reads what is there and ends). Sticky; the registration stays
    /// until <see cref="Close"/>.
    /// </summary>
    internal void Interrupt() => WakePending(interrupt: true, close: false);

    /// <summary>Takes the pending waiter (under the lock, so exactly one caller wakes it) and wakes it.</summary>
    private void WakePending(bool interrupt, bool close)
    {
        TaskCompletionSource? ready;
        Action? onReady;
        lock (_lock)
        {
            if (close)
            {
                if (_closed) return;
                _closed = true;
                if (_registration != 0) EpollReactor.Unregister(_registration, (int)_handle.DangerousGetHandle());
            }
            if (interrupt) _interrupted = true;
            ready = _ready;
            onReady = _onReady;
            _ready = null;
            _onReady = null;
        }
        ready?.TrySetResult();
        onReady?.Invoke();
    }

    /// <summary>
    /// Leaves the epoll set (before the caller closes the descriptor) and wakes a pending wait,
    /// which then meets the closed descriptor.
    /// </summary>
    internal void Close() => WakePending(interrupt: false, close: true);
}
