using Spawn.Internal;

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
// A thin facade over the process's wait state (Internal/ProcessWaitState.cs), which states the
// wait/reap protocol and its invariants; one implementation per mode, chosen once.
public sealed partial class ProcessHandle : IDisposable
{
    private readonly ProcessWaitState _wait;

    private ProcessHandle(ProcessWaitState wait) => _wait = wait;

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
            return HandleMode.UsePidfd;
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
    public int Pid => _wait.Pid;

    /// <summary>True for a process this handle started (and so reaps); false for one found by <see cref="Find"/>.</summary>
    public bool IsChild => _wait.IsChild;

    /// <summary>True once the process is known to have finished (its <see cref="ProcessState"/> is available).</summary>
    public bool HasExited => _wait.State is not null;

    /// <summary>The pidfd, in handle mode; null in PID mode or for a process already gone when found.</summary>
    internal SafePidfdHandle? Pidfd => (_wait as PidfdWaitState)?.Pidfd;

    /// <summary>The exit watcher's registration number (0 when not registered, and in PID mode).</summary>
    internal ulong WatchId => (_wait as PidfdWaitState)?.WatchId ?? 0;

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

        ProcessWaitState.PrepareForChild(watchExit);
        int pid = Spawner.Spawn(path, argv, options, HandleMode.UsePidfd, out int pidfd);
        // The child has its terminal: ours would keep the master from ever reading EIO (the end).
        options?.PseudoTerminal?.Pair.CloseSlave();
        return new ProcessHandle(ProcessWaitState.ForChild(pid, pidfd, watchExit, path));
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
        return new ProcessHandle(ProcessWaitState.Find(pid));
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (0 only checks that the process is there).
    /// </summary>
    /// <returns>True when delivered; false when the process has already finished (no system call is made once it is known to be reaped).</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (0 to 64).</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public bool Signal(int signal)
    {
        Signals.Validate(signal);
        return _wait.Signal(signal, group: false);
    }

    /// <summary>Sends SIGKILL. True when delivered; false when the process has already finished.</summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public bool Kill() => Signal(Signals.SIGKILL);

    /// <summary>
    /// Sends <paramref name="signal"/> to the process group this process leads (its pgid is its pid).
    /// The caller has made sure the process was started as a group leader; otherwise its group
    /// would be ours. False once the leader is known to have finished.
    /// </summary>
    internal bool SignalGroup(int signal)
    {
        Signals.Validate(signal);
        // kill(-1) would signal every process we may signal; a PID 1 child is its namespace's init.
        if (Pid <= 1) throw new InvalidOperationException($"Refusing to signal process group {Pid}.");
        return _wait.Signal(signal, group: true);
    }

    /// <summary>
    /// Blocks until the process has exited and returns how it ended. For a child, reaps it and
    /// collects its resource usage; a stopped child does not end the wait. Idempotent: every call,
    /// concurrent or later, returns the same <see cref="ProcessState"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
    public ProcessState Wait() => _wait.Wait();

    /// <summary>
    /// Completes when the process has exited, with how it ended. Idempotent, like <see cref="Wait"/>.
    /// No thread waits for it: in handle mode one shared epoll thread watches every pidfd.
    /// </summary>
    /// <param name="cancellationToken">Cancels this wait only; the process is left alone.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
    public Task<ProcessState> WaitAsync(CancellationToken cancellationToken = default) => _wait.WaitAsync(cancellationToken);

    /// <summary>PID mode: reaps the child now if it has exited (a caller that cannot rely on the reaper thread's timing).</summary>
    internal void TryReapByPid() => (_wait as PidWaitState)?.TryReap();

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
        return _wait.WithHandle(func);
    }

    /// <summary>
    /// Releases the handle (Go's Release). Idempotent. The descriptor closes when the last call
    /// using it ends. A child still running is still reaped when it exits; waits already pending
    /// on it complete then. New waits, signals and <see cref="WithHandle"/> calls throw
    /// <see cref="ObjectDisposedException"/> (a wait whose result is already known returns it).
    /// </summary>
    public void Dispose() => _wait.Dispose();

    /// <summary>"process 1234 (running)" / "process 1234 (exit status 0)".</summary>
    public override string ToString() => $"process {Pid} ({(_wait.State is { } state ? state.ToString() : "running")})";
}
