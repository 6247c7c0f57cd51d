using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The wait state of one process on Windows, over its process HANDLE (see
/// <see cref="ProcessWaitState"/> for the protocol). Windows keeps a process's exit code for as long
/// as a handle to it is open, and anyone holding one may read it, so there is no reap to race:
/// the first party to see the handle signalled publishes the state, and closing the handle is what
/// reaping is on Linux.
/// </summary>
/// <remarks>
/// No thread waits per process: a child (and a non-child from its first asynchronous waiter on) is
/// watched by a registered wait of the thread pool, whose wait threads each watch up to 63 handles.
/// The registration holds a reference on the handle until it fires or is removed, so a child whose
/// handle was disposed is still published when it exits. A blocking Wait waits on the caller's
/// thread under a transient reference.
/// </remarks>
// The exit wait handle is disposed by Unwatch, which every path to Done or Released reaches.
#pragma warning disable CA1001
[SupportedOSPlatform("windows")]
internal sealed class WindowsWaitState : ProcessWaitState
{
    /// <summary>
    /// The exit code <see cref="Signals.SIGKILL"/> (TerminateProcess) gives a process: 128 + 9, what
    /// a shell reports for a killed process, so that anyone else reading the code can tell.
    /// </summary>
    internal const uint KillExitCode = 128 + Signals.SIGKILL;

    private readonly SafeProcessHandle _process;
    private readonly bool _groupLeader;
    private readonly Lock _watchLock = new();
    private RegisteredWaitHandle? _registration;
    private ProcessExitWaitHandle? _exitHandle;
    private int _registrationHoldsReference;
    private volatile bool _terminated;

    private WindowsWaitState(int pid, bool isChild, SafeProcessHandle process, bool groupLeader) : base(pid, isChild)
    {
        _process = process;
        _groupLeader = groupLeader;
    }

    /// <summary>
    /// Starts a child in <paramref name="job"/> (if any) and watches its exit from now on; with
    /// <paramref name="exitRecordedByCommand"/> a command records the exit in telemetry itself;
    /// <paramref name="runClock"/> is the run-time clock read before the start.
    /// </summary>
    internal static ProcessWaitState Start(string path, IReadOnlyList<string> argv, StartOptions? options, SafeHandle? job, bool exitRecordedByCommand, uint runClock)
    {
        SafeProcessHandle process = WindowsSpawner.Start(path, argv, options, job, out int pid);
        var child = new WindowsWaitState(pid, isChild: true, process, groupLeader: options is { NewProcessGroup: true } or { NewSession: true })
        {
            StartTelemetry = Telemetry.ChildStarted(exitRecordedByCommand, runClock),
        };
        child.Watch();
        return child;
    }

    /// <summary>Any process by ID; one that is not there gives a finished state.</summary>
    internal static new ProcessWaitState Find(int pid)
    {
        // Terminate access where we have it (so Kill works), else only what a wait needs.
        SafeProcessHandle process = Kernel32.OpenProcess(Kernel32.SYNCHRONIZE | Kernel32.PROCESS_QUERY_LIMITED_INFORMATION | Kernel32.PROCESS_TERMINATE, false, pid);
        if (process.IsInvalid && Marshal.GetLastPInvokeError() == Kernel32.ERROR_ACCESS_DENIED)
        {
            process.Dispose();
            process = Kernel32.OpenProcess(Kernel32.SYNCHRONIZE | Kernel32.PROCESS_QUERY_LIMITED_INFORMATION, false, pid);
        }
        if (!process.IsInvalid) return new WindowsWaitState(pid, isChild: false, process, groupLeader: false);
        int error = Marshal.GetLastPInvokeError();
        process.Dispose();
        // ERROR_INVALID_PARAMETER: no process has this ID.
        if (error == Kernel32.ERROR_INVALID_PARAMETER) return Gone(pid);
        throw new SpawnException($"Opening process {pid} failed: {WindowsError.Describe(error)}", error == Kernel32.ERROR_ACCESS_DENIED ? Errno.EPERM : Errno.EINVAL);
    }

    internal override ProcessInfo GetInfo() =>
        throw new PlatformNotSupportedException("A process's parent, credentials and cgroup come from Linux's PIDFD_GET_INFO; Windows has no equivalent here.");

    internal override bool Signal(int signal, bool group)
    {
        if (group) throw new PlatformNotSupportedException("Windows has no process groups to signal; a command's tree is a job object there.");
        int status = Acquire();
        if (status == Released) throw Disposed();
        if (status == Done) return false;
        try
        {
            // Windows (and Wine) may report success for a process that already exited: look first.
            if (Kernel32.WaitForSingleObject(_process, 0) == Kernel32.WAIT_OBJECT_0) return false;
            switch (signal)
            {
                case 0:
                    return true;
                case Signals.SIGKILL:
                    _terminated = true;
                    if (Kernel32.TerminateProcess(_process, KillExitCode)) return true;
                    int error = Marshal.GetLastPInvokeError();
                    // ERROR_ACCESS_DENIED once the process has exited.
                    if (Kernel32.WaitForSingleObject(_process, 0) == Kernel32.WAIT_OBJECT_0) return false;
                    throw new SpawnException($"Terminating process {Pid} failed: {WindowsError.Describe(error)}", Errno.EPERM);
                case Signals.SIGINT when _groupLeader:
                    if (Kernel32.GenerateConsoleCtrlEvent(Kernel32.CTRL_BREAK_EVENT, Pid)) return true;
                    throw new SpawnException($"Sending CTRL_BREAK_EVENT to process group {Pid} failed: {WindowsError.Describe(Marshal.GetLastPInvokeError())}", Errno.EINVAL);
                case Signals.SIGINT:
                    throw new PlatformNotSupportedException("On Windows SIGINT is sent as CTRL_BREAK_EVENT, which reaches only a process started with StartOptions.NewProcessGroup.");
                default:
                    throw new PlatformNotSupportedException($"Windows has no signal {Signals.Name(signal)}: Spawn sends SIGKILL (TerminateProcess), SIGINT (CTRL_BREAK_EVENT to a new process group) and 0 there.");
            }
        }
        finally
        {
            _process.DangerousRelease();
        }
    }

    internal override TResult WithHandle<TResult>(Func<int, TResult> func)
    {
        int status = Acquire();
        if (status != Running) return base.WithHandle(func);
        try
        {
            return func((int)_process.DangerousGetHandle());
        }
        finally
        {
            _process.DangerousRelease();
        }
    }

    protected override void WaitOnce()
    {
        int status = Acquire();
        if (status == Released)
        {
            if (State is null) throw Disposed();
            return;
        }
        if (status == Done) return;
        try
        {
            if (Kernel32.WaitForSingleObject(_process, Kernel32.INFINITE) == Kernel32.WAIT_FAILED)
            {
                throw new SpawnException($"Waiting for process {Pid} failed: {WindowsError.Describe(Marshal.GetLastPInvokeError())}", Errno.EINVAL);
            }
            PublishExitLocked();
        }
        finally
        {
            _process.DangerousRelease();
        }
        MarkDone();
    }

    protected override void WatchNonChild()
    {
        if (Acquire() != Running) return; // finished or disposed meanwhile: both complete the waiters
        try
        {
            Watch();
            // A Dispose that ran meanwhile may have missed the registration: remove it.
            Interlocked.MemoryBarrier();
            if (Status == Released) Unwatch();
        }
        finally
        {
            _process.DangerousRelease();
        }
    }

    protected override void OnReleased()
    {
        if (!IsChild)
        {
            // Nobody publishes a non-child's exit for us once its handle is gone: its waits end now.
            FailWaiters(Disposed());
            Unwatch();
        }
        DropOwningReference(_process);
    }

    protected override void OnDone(bool owner)
    {
        Unwatch();
        if (owner) DropOwningReference(_process);
    }

    /// <summary>Registers the thread pool's wait on the handle; the registration holds a reference until it fires or is removed.</summary>
    private void Watch()
    {
        bool added = false;
        _process.DangerousAddRef(ref added);
        lock (_watchLock)
        {
            Volatile.Write(ref _registrationHoldsReference, 1);
            _exitHandle = new ProcessExitWaitHandle(_process.DangerousGetHandle());
            _registration = ThreadPool.UnsafeRegisterWaitForSingleObject(_exitHandle, static (state, _) => ((WindowsWaitState)state!).OnExitSignalled(), this, Timeout.Infinite, executeOnlyOnce: true);
        }
    }

    /// <summary>
    /// The registered wait fired. The handle is open (the registration's reference), even for a child
    /// whose handle was disposed meanwhile: it is published all the same, as a disposed child is
    /// still reaped on Linux.
    /// </summary>
    private void OnExitSignalled()
    {
        bool added = false;
        try
        {
            _process.DangerousAddRef(ref added);
            PublishExitLocked();
        }
        catch (ObjectDisposedException)
        {
            // A blocking Wait published, finished and dropped every reference first.
        }
        finally
        {
            if (added) _process.DangerousRelease();
        }
        if (State is not null) MarkDone();
        Unwatch();
    }

    /// <summary>Removes the registration, if any, and drops its reference: once, whoever calls first.</summary>
    private void Unwatch()
    {
        if (Interlocked.Exchange(ref _registrationHoldsReference, 0) == 0) return;
        lock (_watchLock)
        {
            _registration?.Unregister(null);
            _registration = null;
            _exitHandle?.Dispose();
            _exitHandle = null;
        }
        _process.DangerousRelease();
    }

    /// <summary>Publishes the state of the exited process (its handle referenced by the caller), unless already published.</summary>
    private void PublishExitLocked()
    {
        lock (Sync)
        {
            if (State is not null) return;
            PublishLocked(ReadState());
        }
    }

    private ProcessState ReadState()
    {
        if (!Kernel32.GetExitCodeProcess(_process, out uint code))
        {
            return ProcessState.Unknown(Pid, $"its exit code could not be read: {WindowsError.Describe(Marshal.GetLastPInvokeError())}");
        }
        TimeSpan? user = null, system = null;
        if (Kernel32.GetProcessTimes(_process, out _, out _, out long kernelTicks, out long userTicks))
        {
            user = TimeSpan.FromTicks(userTicks); // 100 ns units, as TimeSpan's ticks
            system = TimeSpan.FromTicks(kernelTicks);
        }
        long? peak = null;
        if (Kernel32.K32GetProcessMemoryInfo(_process, out Kernel32.PROCESS_MEMORY_COUNTERS counters, (uint)Marshal.SizeOf<Kernel32.PROCESS_MEMORY_COUNTERS>()))
        {
            peak = (long)counters.PeakWorkingSetSize;
        }
        return _terminated && code == KillExitCode
            ? new ProcessState(Pid, null, Signals.SIGKILL, false, ExitStatusSource.Reaped, user, system, peak)
            : new ProcessState(Pid, unchecked((int)code), null, false, ExitStatusSource.Reaped, user, system, peak);
    }

    /// <summary>Takes a transient reference on the handle: Running when taken (release it), else the status that prevented it.</summary>
    private int Acquire()
    {
        int status = Status;
        if (status != Running) return status;
        bool added = false;
        try
        {
            _process.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            // Lost a race with Done or Dispose; the status says which, as it changes before the close.
        }
        return added ? Running : Status;
    }

    /// <summary>The process handle as a WaitHandle for the thread pool, not owning it (the registration's reference keeps it open).</summary>
    private sealed class ProcessExitWaitHandle : WaitHandle
    {
        internal ProcessExitWaitHandle(nint process) => SafeWaitHandle = new SafeWaitHandle(process, ownsHandle: false);
    }
}
#pragma warning restore CA1001
