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
    private bool _closed;

    internal EpollWaiter(SafeHandle handle) => _handle = handle;

    /// <summary>
    /// Completes when the descriptor is ready. <paramref name="onReactor"/> lets the continuation run
    /// on the reactor thread itself (or on whichever thread closes the waiter): only for Spawn's own
    /// short, non-blocking code, which must hop to the thread pool before anything else can run.
    /// </summary>
    internal async Task WhenReady(uint events, CancellationToken cancellationToken, bool onReactor = false)
    {
        var ready = new TaskCompletionSource(onReactor ? TaskCreationOptions.None : TaskCreationOptions.RunContinuationsAsynchronously);
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_closed, _handle);
                _ready = ready;
                int fd = (int)_handle.DangerousGetHandle();
                if (_registration == 0) _registration = EpollReactor.Register(fd, events | Sys.EPOLLONESHOT, this);
                else EpollReactor.Rearm(_registration, fd, events | Sys.EPOLLONESHOT);
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
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

    void IEpollHandler.OnReady(ulong registration, uint events)
    {
        TaskCompletionSource? ready;
        lock (_lock)
        {
            ready = _ready;
            _ready = null;
        }
        ready?.TrySetResult();
    }

    /// <summary>
    /// Leaves the epoll set (before the caller closes the descriptor) and wakes a pending wait,
    /// which then meets the closed descriptor.
    /// </summary>
    internal void Close()
    {
        TaskCompletionSource? pending;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            pending = _ready;
            _ready = null;
            if (_registration != 0) EpollReactor.Unregister(_registration, (int)_handle.DangerousGetHandle());
        }
        pending?.TrySetResult();
    }
}
