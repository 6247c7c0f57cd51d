using Spawn.Internal;

namespace Spawn;

/// <summary>
/// A process held by a stable handle (a Linux pidfd, a Windows process HANDLE) rather than by its
/// PID, which the system hands out again once the process is gone. Signals through the handle can never reach another
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

    /// <summary>The facade over <paramref name="wait"/> (a child started by the platform layer, or a process found).</summary>
    internal ProcessHandle(ProcessWaitState wait) => _wait = wait;

    /// <summary>
    /// True when this process uses pidfds (handle mode); false in PID mode, chosen once per process
    /// when pidfds do not work here or the environment variable <c>SPAWN_PIDFD=0</c> is set. False on
    /// Windows, where the handle is always a process HANDLE.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">This is neither Linux nor Windows.</exception>
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
            return OperatingSystem.IsWindows() ? SpawnPath.WindowsCreateProcess : Spawner.Path;
        }
    }

    /// <summary>The process ID. It names this process only while the process is not yet reaped.</summary>
    public int Pid => _wait.Pid;

    /// <summary>
    /// The process's unique ID: its pidfs inode number, which the kernel never hands out again while
    /// the system runs (Linux 6.9+), unlike the PID. Together they make <see cref="QualifiedId"/>,
    /// <c>PID:INODE</c>, which <see cref="Find(string)"/>, util-linux's <c>kill</c> and <c>waitpid</c>,
    /// and systemd accept. Null where the kernel has no pidfs (before 6.9, or where pidfds are refused),
    /// and for a handle to a process that was already gone when found. Read once, when the handle was
    /// made; in PID mode through a pidfd opened for that moment.
    /// </summary>
    public ulong? UniqueId => _wait.UniqueId;

    /// <summary>
    /// <c>PID:INODE</c> (for example <c>1234:5678</c>) where <see cref="UniqueId"/> is known, else
    /// the PID alone: a name for this process that <see cref="Find(string)"/> accepts, and that never
    /// names another process, as a bare PID can once this one is reaped.
    /// </summary>
    public string QualifiedId => UniqueId is ulong id
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Pid}:{id}")
        : Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>True for a process this handle started (and so reaps); false for one found by <see cref="Find(int)"/>.</summary>
    public bool IsChild => _wait.IsChild;

    /// <summary>True once the process is known to have finished (its <see cref="ProcessState"/> is available).</summary>
    public bool HasExited => _wait.State is not null;

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="argv"/> (argv[0] included, as execve
    /// takes it). The path is used as given: no PATH search; a relative path is resolved against
    /// the working directory the child gets. Strings reach the child as UTF-8; a lone UTF-16
    /// surrogate, which has no UTF-8 form, becomes U+FFFD (as with System.Diagnostics.Process).
    /// </summary>
    /// <exception cref="ProcessStartException">The program could not be started (ENOENT, EACCES, ENOEXEC, E2BIG, ...).</exception>
    /// <exception cref="ArgumentException">A string contains a NUL character, or argv is empty.</exception>
    /// <exception cref="PlatformNotSupportedException">This is not Linux; or an option that needs the Linux fast path is set (a cgroup, credentials, a parent-death signal), and <see cref="SpawnPath"/> is not <see cref="SpawnPath.LinuxClone"/>.</exception>
    public static ProcessHandle Start(string path, IReadOnlyList<string> argv, StartOptions? options = null)
    {
        PlatformGuard.ThrowIfUnsupported();
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0) throw new ArgumentException("argv must hold at least argv[0].", nameof(argv));

        return new ProcessHandle(ProcessWaitState.StartChild(path, argv, options));
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
    /// A handle to a process by <c>PID</c> or <c>PID:INODE</c> (util-linux's syntax; see
    /// <see cref="QualifiedId"/>). With an inode, the process that has the PID now must be the one with
    /// that unique ID: if the PID names another, the process meant has exited and its PID was reused,
    /// and <see cref="ProcessGoneException"/> says so. A PID that names no process gives a finished
    /// handle, as <see cref="Find(int)"/> does. In handle mode the check is made on the very pidfd the
    /// handle keeps, so the handle cannot reach another process afterwards; in PID mode the check
    /// holds only for the moment it is made.
    /// </summary>
    /// <exception cref="FormatException">Not <c>PID</c> or <c>PID:INODE</c> in decimal.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The PID is 0 or negative.</exception>
    /// <exception cref="ProcessGoneException">The PID now names a process with another unique ID.</exception>
    /// <exception cref="PlatformNotSupportedException">An inode was given and this kernel has no pidfs to check it against (Linux 6.9+ is needed), or this is not Linux.</exception>
    public static ProcessHandle Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        (int pid, ulong? expected) = ParseQualifiedId(id);
        ProcessHandle handle = Find(pid);
        if (expected is not ulong wanted || handle.HasExited) return handle;
        ulong? actual = handle.UniqueId;
        if (actual == wanted) return handle;
        handle.Dispose();
        if (actual is ulong other) throw new ProcessGoneException(pid, wanted, other);
        string why = OperatingSystem.IsLinux()
            ? PidfsIdentity.UnavailableReason ?? "the process's pidfd is not on pidfs"
            : "Windows has no such IDs (they are Linux's pidfs inodes)";
        throw new PlatformNotSupportedException($"'{id}' names a process by its unique ID, which cannot be checked here: {why}.");
    }

    private static (int Pid, ulong? UniqueId) ParseQualifiedId(string id)
    {
        const System.Globalization.NumberStyles Digits = System.Globalization.NumberStyles.None;
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        int colon = id.IndexOf(':', StringComparison.Ordinal);
        string pidText = colon < 0 ? id : id[..colon];
        if (!int.TryParse(pidText, Digits, culture, out int pid))
        {
            throw new FormatException($"'{id}' is not a process ID: expected PID or PID:INODE in decimal, such as 1234 or 1234:5678.");
        }
        if (colon < 0) return (pid, null);
        if (!ulong.TryParse(id.AsSpan(colon + 1), Digits, culture, out ulong inode) || inode == 0)
        {
            throw new FormatException($"'{id}' is not a process ID: the part after ':' must be the process's pidfs inode number in decimal, such as 1234:5678.");
        }
        return (pid, inode);
    }

    /// <summary>
    /// What the kernel says of the process now: its parent, its user and group IDs, its cgroup, read
    /// through its pidfd with PIDFD_GET_INFO (Linux 6.13+) in one call, so nothing in it can belong to
    /// another process that reused the PID. In PID mode a pidfd is opened for the call (for a process
    /// not our child, it is checked against <see cref="UniqueId"/> first).
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">The kernel has no PIDFD_GET_INFO (before 6.13), or no pidfd can be opened here.</exception>
    /// <exception cref="InvalidOperationException">The process has finished.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public ProcessInfo GetInfo() => _wait.GetInfo();

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
    /// The process group the process is in (getpgid), or null once it has finished. The answer is
    /// confirmed through the handle after it is read, so a PID reused meanwhile never yields another
    /// process's group (for a process found by <see cref="Find(int)"/> in PID mode, which has no handle
    /// to confirm with, only the usual PID caveat applies).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public int? GetProcessGroupId() => _wait.ProcessGroupId();

    /// <summary>
    /// Blocks until the process has exited and returns how it ended. For a child, reaps it and
    /// collects its resource usage; a stopped child does not end the wait. Idempotent: every call,
    /// concurrent or later, returns the same <see cref="ProcessState"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
    public ProcessState Wait() => _wait.Wait();

    /// <summary>
    /// Completes when the process has exited, with how it ended. Idempotent, like <see cref="Wait"/>.
    /// No thread waits for it: in handle mode one shared epoll thread watches every pidfd. The
    /// continuations run on the thread pool, unless the child was started with
    /// <see cref="StartOptions.ExitContinuation"/> set to <see cref="ExitContinuation.Inline"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels this wait only; the process is left alone.</param>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
#pragma warning disable RS0026 // The overloads differ in a required first parameter of another type, so no call is ambiguous.
    public Task<ProcessState> WaitAsync(CancellationToken cancellationToken = default) => _wait.WaitAsync(cancellationToken);

    /// <summary>
    /// Completes when the process has exited, as <see cref="WaitAsync(CancellationToken)"/> does, with
    /// its continuations where <paramref name="continuation"/> says. With
    /// <see cref="ExitContinuation.Inline"/> they run synchronously on the thread that sees the exit,
    /// which is Spawn's exit-watcher thread, shared by every process in this program: the exit reaches
    /// them one thread wake-up sooner, and a continuation that blocks delays the exit notifications
    /// (and, in handle mode, the pipe reads) of every other process until it returns. Use it only for
    /// continuations that are short and never block (see <see cref="ExitContinuation.Inline"/>).
    /// </summary>
    /// <remarks>
    /// A process that has already exited completes the task at once, and an <c>await</c> of it then
    /// goes on synchronously on the caller's own thread. A cancellation completes the task on the
    /// thread that cancels the token.
    /// </remarks>
    /// <param name="continuation">Where the continuations run: the thread pool (the default of the other overload) or inline.</param>
    /// <param name="cancellationToken">Cancels this wait only; the process is left alone.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="continuation"/> is not an <see cref="ExitContinuation"/> value.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled first.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed before the state was known.</exception>
    public Task<ProcessState> WaitAsync(ExitContinuation continuation, CancellationToken cancellationToken = default)
    {
        if (continuation is not (ExitContinuation.ThreadPool or ExitContinuation.Inline))
        {
            throw new ArgumentOutOfRangeException(nameof(continuation), continuation, "Not an ExitContinuation value.");
        }
        return _wait.WaitAsync(continuation, cancellationToken);
    }
#pragma warning restore RS0026

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
