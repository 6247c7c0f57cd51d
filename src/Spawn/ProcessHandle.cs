using Spawn.Internal;
using Spawn.Interop;

namespace Spawn;

/// <summary>
/// A process held by a stable handle (a Linux pidfd) rather than by its PID, which the kernel
/// hands out again once the process is reaped. Signals through the handle can never reach another
/// process that later got the same PID; waits need no polling and no SIGCHLD scan.
/// </summary>
/// <remarks>
/// <para>
/// The handle follows Go's <c>os.Process</c>: the OS handle lives in its own reference-counted
/// object; every system call on it holds a transient reference; a completed wait or
/// <see cref="Dispose"/> drops the owning one; the descriptor is closed once, when the last
/// reference goes. Status moves Running → Done (the process was reaped) or → Released
/// (<see cref="Dispose"/>); the first transition wins.
/// </para>
/// <para>
/// Every child is reaped as soon as it exits, whether anyone waits or not, and its
/// <see cref="ProcessState"/> is kept for any later wait. Where pidfds cannot be used (old kernels,
/// seccomp sandboxes, <c>SPAWN_PIDFD=0</c>) the handle runs in PID mode; see <see cref="UsesPidfd"/>.
/// </para>
/// </remarks>
public sealed partial class ProcessHandle : IDisposable, IEpollHandler
{
    private const int Running = 0;
    private const int Done = 1;
    private const int Released = 2;

    private readonly Lock _sync = new();
    private int _status;
    private int _blockingReaper; // 1 while a blocking Wait owns the reap (handle mode)
    private volatile ProcessState? _state;
    private TaskCompletionSource<ProcessState>? _exited;

    private ProcessHandle(int pid, bool isChild, SafePidfdHandle? pidfd)
    {
        Pid = pid;
        IsChild = isChild;
        Pidfd = pidfd;
    }

    private ProcessHandle(ProcessState finished, bool isChild)
    {
        Pid = finished.Pid;
        IsChild = isChild;
        _state = finished;
        _status = Done;
    }

    /// <summary>
    /// True when this process uses pidfds (handle mode); false in PID mode, chosen once per process
    /// when pidfds do not work here or the environment variable <c>SPAWN_PIDFD=0</c> is set.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static bool UsesPidfd
    {
        get
        {
            PlatformGuard.ThrowIfUnsupported();
            return SpawnMode.UsePidfd;
        }
    }

    /// <summary>
    /// How this process starts children, chosen once: <see cref="SpawnPath.LinuxClone"/> (the fast
    /// path) where Spawn's native helper was built and loads (Linux 5.9+ on x86-64; on arm64 only when
    /// opted into with <c>SPAWN_ARM64_FAST_PATH=1</c>), else a portable path. The environment variable <c>SPAWN_PORTABLE=1</c> forces the portable one.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static SpawnPath SpawnPath
    {
        get
        {
            PlatformGuard.ThrowIfUnsupported();
            return Spawner.Path;
        }
    }

    /// <summary>The process ID. It names this process only while the process is not yet reaped.</summary>
    public int Pid { get; }

    /// <summary>True for a process this handle started (and so reaps); false for one found by <see cref="Find"/>.</summary>
    public bool IsChild { get; }

    /// <summary>True once the process is known to have finished (its <see cref="ProcessState"/> is available).</summary>
    public bool HasExited => _state is not null;

    /// <summary>The pidfd, in handle mode; null in PID mode or for a process already gone when found.</summary>
    internal SafePidfdHandle? Pidfd { get; }

    private ulong _watchId;

    /// <summary>The exit watcher's registration number (0 when not registered).</summary>
    internal ulong WatchId
    {
        get => Volatile.Read(ref _watchId);
        set => Volatile.Write(ref _watchId, value);
    }

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> (argv[0] included, as execve
    /// takes it). The path is used as given: no PATH search; a relative path is resolved against
    /// the working directory the child gets. Strings reach the child as UTF-8; a lone UTF-16
    /// surrogate, which has no UTF-8 form, becomes U+FFFD (as with System.Diagnostics.Process).
    /// </summary>
    /// <exception cref="ProcessStartException">The program could not be started (ENOENT, EACCES, ENOEXEC, E2BIG, ...).</exception>
    /// <exception cref="ArgumentException">A string contains a NUL character, or argv is empty.</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux; or an option that needs the Linux fast path is set (a cgroup, credentials, a parent-death signal), and <see cref="SpawnPath"/> is not <see cref="SpawnPath.LinuxClone"/>.</exception>
    public static ProcessHandle Start(string path, IReadOnlyList<string> argv, StartOptions? options = null) =>
        Start(path, argv, options, watchExit: true);

    /// <summary>
    /// <paramref name="watchExit"/> false leaves the child out of the exit watcher (only blocking
    /// waits then complete): tests use it to let "another component" reap the child first.
    /// </summary>
    internal static ProcessHandle Start(string path, IReadOnlyList<string> argv, StartOptions? options, bool watchExit)
    {
        PlatformGuard.ThrowIfUnsupported();
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0) throw new ArgumentException("argv must hold at least argv[0].", nameof(argv));

        bool handleMode = SpawnMode.UsePidfd;
        if (!handleMode && watchExit) ChildReaper.EnsureStarted();
        int pid = Spawner.Spawn(path, argv, options, handleMode, out int fd);
        if (!handleMode)
        {
            var tracked = new ProcessHandle(pid, isChild: true, pidfd: null);
            if (watchExit) ChildReaper.Track(tracked);
            return tracked;
        }
        if (fd < 0)
        {
            return new ProcessHandle(ProcessState.Unknown(pid, ForeignReaper.Describe() + " before Spawn could open its pidfd"), isChild: true);
        }
        var child = new ProcessHandle(pid, isChild: true, new SafePidfdHandle(fd));
        return watchExit ? StartWatching(child, path) : child;
    }

    private static ProcessHandle StartWatching(ProcessHandle child, string path)
    {
        try
        {
            ExitWatcher.Register(child, child.Pidfd!);
            return child;
        }
        catch (SpawnException e)
        {
            // Without the watcher nobody would reap it once dropped: end it now, through its pidfd.
            child.Kill();
            child.Wait();
            child.Dispose();
            throw new ProcessStartException(path, e.ErrorCode, "the child could not be added to the exit watcher, so it was killed");
        }
    }

    /// <summary>
    /// A handle to any process, child or not, by PID. A PID that names no process gives a handle that
    /// has already finished (its status unknown) rather than an exception. The process is not reaped
    /// through this handle; its waits complete when it exits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pid"/> is 0 or negative (those address process groups).</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux.</exception>
    public static ProcessHandle Find(int pid)
    {
        PlatformGuard.ThrowIfUnsupported();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        return SpawnMode.UsePidfd ? FindByPidfd(pid) : FindByPid(pid);
    }

    private static ProcessHandle Gone(int pid) =>
        new(ProcessState.Unknown(pid, "no process had this PID when it was looked up"), isChild: false);

    /// <summary>
    /// Sends <paramref name="signal"/> (0 only checks that the process is there).
    /// </summary>
    /// <returns>True when delivered; false when the process has already finished (no system call is made once it is known to be reaped).</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (0 to 64).</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public bool Signal(int signal)
    {
        Signals.Validate(signal);
        return Pidfd is not null ? SignalByPidfd(signal) : SignalByPid(signal);
    }

    /// <summary>Sends SIGKILL. True when delivered; false when the process has already finished.</summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public bool Kill() => Signal(Signals.SIGKILL);

    /// <summary>
    /// Runs <paramref name="func"/> with the raw pidfd while holding a reference on it, so it cannot be
    /// closed during the call. For interop with system calls Spawn does not wrap. Do not keep the
    /// number after the call returns.
    /// </summary>
    /// <exception cref="InvalidOperationException">The process has finished and its pidfd is released.</exception>
    /// <exception cref="PlatformNotSupportedException">PID mode: there is no pidfd.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public TResult WithHandle<TResult>(Func<int, TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        int status = Pidfd is null ? Volatile.Read(ref _status) : Acquire();
        if (status == Released) throw Disposed();
        if (status == Done) throw new InvalidOperationException($"Process {Pid} has finished; its handle is released.");
        if (Pidfd is null) throw new PlatformNotSupportedException("Spawn runs in PID mode here: there is no pidfd.");
        try
        {
            return func(Pidfd.Fd);
        }
        finally
        {
            Pidfd.DangerousRelease();
        }
    }

    /// <summary>
    /// Releases the handle (Go's Release). Idempotent. The descriptor closes when the last call
    /// using it ends. A child still running is still reaped when it exits; waits already pending
    /// on it complete then. New waits, signals and <see cref="WithHandle"/> calls throw
    /// <see cref="ObjectDisposedException"/> (a wait whose result is already known returns it).
    /// </summary>
    public void Dispose()
    {
        int previous = Interlocked.Exchange(ref _status, Released);
        if (previous != Running || Pidfd is null) return;
        if (!IsChild)
        {
            // Nobody reaps a non-child for us: its pending waits end now, and it leaves the watcher.
            lock (_sync)
            {
                _exited?.TrySetException(Disposed());
            }
            StopWatchingNonChild();
        }
        Pidfd.Dispose();
    }

    /// <summary>
    /// Removes a non-child's registration, if there is one and the reactor has not claimed it. Both
    /// <see cref="Dispose"/> (after it sets Released) and a registration racing it (after it set
    /// <see cref="WatchId"/>) call this, each after a full fence, so whichever comes second sees the
    /// other's write and the registration is removed exactly once.
    /// </summary>
    private void StopWatchingNonChild()
    {
        ulong id = WatchId;
        if (id != 0 && ExitWatcher.Claim(id)) ExitWatcher.Release(Pidfd!);
    }

    /// <summary>"process 1234 (running)" / "process 1234 (exit status 0)".</summary>
    public override string ToString() => $"process {Pid} ({(_state is { } state ? state.ToString() : "running")})";

    /// <summary>
    /// Takes a transient reference on the pidfd. Returns <see cref="Running"/> when taken (release
    /// it with DangerousRelease), else the status that prevented it.
    /// </summary>
    private int Acquire()
    {
        int status = Volatile.Read(ref _status);
        if (status != Running) return status;
        bool added = false;
        try
        {
            Pidfd!.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            // Lost a race with reap or Dispose; the status says which, as it changes before the dispose.
        }
        return added ? Running : Volatile.Read(ref _status);
    }

    /// <summary>Records the final state (under <see cref="_sync"/>) and completes pending async waits.</summary>
    private void PublishLocked(ProcessState state)
    {
        _state = state;
        _exited?.TrySetResult(state);
    }

    /// <summary>Running → Done after the state is published: drops the owning reference on the pidfd.</summary>
    private void MarkDone()
    {
        if (Interlocked.CompareExchange(ref _status, Done, Running) == Running) Pidfd?.Dispose();
        if (IsChild && Pidfd is null) ChildReaper.Untrack(this);
    }

    private ObjectDisposedException Disposed() => new(nameof(ProcessHandle), $"The handle to process {Pid} was disposed.");
}
