using System.Runtime.InteropServices;

namespace Spawn.Internal;

/// <summary>
/// The wait state of one process: its OS handle, its status word, its final state, its pending
/// waits, and (in a subclass) its exit-watcher registration. <c>ProcessHandle</c> is a thin public
/// facade over one of these; the exit watcher and the PID-mode reaper work on these, never on the
/// facade.
/// </summary>
/// <remarks>
/// <para><b>Overview.</b> A child must be reaped exactly once, as soon as it exits, whether anyone
/// waits or not (no zombies), and every wait, concurrent or later, must see the same
/// <see cref="ProcessState"/>. Three parties can get to the exit:</para>
/// <list type="bullet">
/// <item><b>The watcher</b>: in handle mode the epoll thread (<see cref="ExitWatcher"/>), which sees
/// the pidfd turn readable; in PID mode the reaper thread (<see cref="ChildReaper"/>), which sees
/// any child turn waitable. It reaps without blocking, under <see cref="Sync"/>.</item>
/// <item><b>A blocking Wait</b> on the caller's thread. In handle mode it first tries to take the
/// reap over from the watcher (claiming its registration), then reaps with one blocking waitid;
/// if the watcher already owns the exit, it waits without reaping (WNOWAIT) and then reaps under
/// <see cref="Sync"/>, racing the watcher fairly.</item>
/// <item><b>A foreign reaper</b>: another component of this process (or the kernel, with SIGCHLD
/// ignored) reaped the child first. Whoever then meets ECHILD publishes what the kernel still
/// knows (the pidfd's exit info, Linux 6.15+) or an unknown state saying who reaped it.</item>
/// </list>
/// <para><b>Invariants</b> (checked at run time; a broken one throws, as Go panics on "too many
/// releases of process handle"):</para>
/// <list type="number">
/// <item>The final state is published once, under <see cref="Sync"/>, and never changes.</item>
/// <item>The status word moves Running → Done (published, then reaped) or → Released
/// (<c>Dispose</c>), and Done → Released; the first move off Running wins.</item>
/// <item>The state is published before the status becomes Done, so a reader that sees Done finds it.</item>
/// <item>The owning reference on the OS handle is dropped exactly once, by whichever of
/// <see cref="MarkDone"/> and <see cref="Dispose"/> moves the status off Running.</item>
/// <item>Pending waits complete exactly when the state is published, or fail when a non-child's
/// handle is disposed first (nobody reaps a non-child for us). A disposed child is still reaped
/// when it exits, and its pending waits still complete.</item>
/// <item>No caller's continuation runs on Spawn's threads or under <see cref="Sync"/>, unless the
/// wait asked for <see cref="ExitContinuation.Inline"/>: those complete after the lock is left and
/// the status has moved to Done, on the thread that published.</item>
/// </list>
/// <para>The kernel calls are the subclasses' (<see cref="PidfdWaitState"/>, <see cref="PidWaitState"/>;
/// one per mode, chosen once by <see cref="StartChild"/> and <see cref="Find"/>); this class holds the
/// protocol, so tests drive it through a scripted subclass without real processes.</para>
/// </remarks>
internal abstract class ProcessWaitState
{
    protected const int Running = 0;
    protected const int Done = 1;
    protected const int Released = 2;

    /// <summary>
    /// Serializes publishing the state with the reaps (and, in PID mode, with signals). The wait
    /// state itself, which nothing outside this class and its subclasses can reach: the monitor in
    /// its header costs no allocation, where a Lock object would cost one per process.
    /// </summary>
    protected object Sync => this;

    private int _status;
    private volatile ProcessState? _state;
    private TaskCompletionSource<ProcessState>? _exited;

    /// <summary>
    /// The waits that asked for <see cref="ExitContinuation.Inline"/>: a source whose continuations
    /// run where it completes. It is completed only after the lock is left and the status is Done
    /// (<see cref="MarkDone"/>, <see cref="FailWaiters"/>), so a caller's continuation never runs
    /// holding <see cref="Sync"/> or before the wait state has settled.
    /// </summary>
    private TaskCompletionSource<ProcessState>? _exitedInline;

    protected ProcessWaitState(int pid, bool isChild)
    {
        Pid = pid;
        IsChild = isChild;
    }

    /// <summary>A process already known to have finished.</summary>
    protected ProcessWaitState(ProcessState finished, bool isChild)
    {
        Pid = finished.Pid;
        IsChild = isChild;
        _state = finished;
        _status = Done;
    }

    internal int Pid { get; }

    /// <summary>True for a process we started (and so reap).</summary>
    internal bool IsChild { get; }

    /// <summary>
    /// The process's pidfs inode number (<see cref="PidfsIdentity"/>), read when the state was made,
    /// while the PID surely named this process; null where the kernel has no pidfs, or for a process
    /// already gone when it was found.
    /// </summary>
    internal ulong? UniqueId { get; private protected set; }

    /// <summary>
    /// The most of our own peak memory (KiB) the child's ru_maxrss may include: its reaped figure is
    /// its own only above this (<see cref="ExitStatus"/>). 0 when nothing of ours was folded in; unknown
    /// (the largest value) unless the spawn step said.
    /// </summary>
    internal long InheritedPeakKiB { get; init; } = long.MaxValue;

    /// <summary>The final state, or null while it is not known.</summary>
    internal ProcessState? State => _state;

    /// <summary>Running, Done or Released.</summary>
    protected int Status => Volatile.Read(ref _status);

    // What the reap tells Telemetry of a child, set before anything can reap it. Fields of their
    // own rather than a ChildTelemetry: these fit in the padding the fields above leave, so a wait
    // state is no larger for them.
    private uint _startMilliseconds;
    private bool _timed;
    private bool _live;
    private bool _exitRecordedByCommand;

    private bool _inlineByDefault;

    /// <summary>
    /// Where the continuations of a wait that does not say run (<see cref="StartOptions.ExitContinuation"/>),
    /// set as the child is started, before anyone can wait. A bool beside the telemetry fields, in
    /// the padding they leave.
    /// </summary>
    internal ExitContinuation DefaultContinuation
    {
        get => _inlineByDefault ? ExitContinuation.Inline : ExitContinuation.ThreadPool;
        private set => _inlineByDefault = value == ExitContinuation.Inline;
    }

    internal ChildTelemetry StartTelemetry
    {
        get => new(_startMilliseconds, _timed, _live, _exitRecordedByCommand);
        init => (_startMilliseconds, _timed, _live, _exitRecordedByCommand) = (value.StartMilliseconds, value.Timed, value.Live, value.ExitRecordedByCommand);
    }

    /// <summary>
    /// Starts a child (the spawn step) and returns its wait state, watched from the start: in
    /// handle mode by the exit watcher, in PID mode by the <see cref="ChildReaper"/>, on Windows by
    /// a registered wait. The start, or its failure, is recorded in telemetry (a command records a
    /// failure and the exit itself: <see cref="StartOptions.ReportedByCommand"/>).
    /// </summary>
    /// <exception cref="ProcessStartException">The program could not be started; or, in handle mode, the child could not be watched, so it was killed and reaped.</exception>
    internal static ProcessWaitState StartChild(string path, IReadOnlyList<string> argv, StartOptions? options)
    {
        if (options is { ExitContinuation: not (ExitContinuation.ThreadPool or ExitContinuation.Inline) })
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ExitContinuation, "StartOptions.ExitContinuation is not an ExitContinuation value.");
        }
        bool byCommand = options?.ReportedByCommand == true;
        long begun = Telemetry.StartTimestamp();
        uint runClock = Telemetry.RunClock();
        ProcessWaitState wait;
        try
        {
            wait = OperatingSystem.IsWindows()
                ? WindowsWaitState.Start(path, argv, options, options?.Job, byCommand, runClock)
                : StartLinuxChild(path, argv, options, byCommand, runClock);
        }
        catch (Exception e) when (!byCommand)
        {
            Telemetry.StartFailed(e);
            throw;
        }
        Telemetry.Started(OperatingSystem.IsWindows() ? SpawnPath.WindowsCreateProcess : Spawner.Path, begun);
        wait.DefaultContinuation = options?.ExitContinuation ?? ExitContinuation.ThreadPool;
        return wait;
    }

    private static ProcessWaitState StartLinuxChild(string path, IReadOnlyList<string> argv, StartOptions? options, bool byCommand, uint runClock)
    {
        bool usePidfd = HandleMode.UsePidfd;
        // Before the start: a reaper thread that cannot start fails the start, rather than leave a child nobody reaps.
        if (!usePidfd) ChildReaper.Shared.EnsureStarted();
        int pid = Spawner.Spawn(path, argv, options, usePidfd, out int pidfd, out long inheritedPeakKiB);
        // The child has its terminal: ours would keep the master from ever reading EIO (the end).
        options?.CloseTerminalSlave();
        ChildTelemetry telemetry = Telemetry.ChildStarted(byCommand, runClock);
        if (!usePidfd)
        {
            // Not yet tracked, so not yet reaped: the PID still names the child while a pidfd is opened for its ID.
            var tracked = new PidWaitState(pid, isChild: true, ChildReaper.Shared) { UniqueId = PidfsIdentity.OfPid(pid), StartTelemetry = telemetry, InheritedPeakKiB = inheritedPeakKiB };
            ChildReaper.Shared.Track(tracked);
            return tracked;
        }
        if (pidfd < 0)
        {
            // Another component reaped it before the pidfd was opened.
            var gone = new PidWaitState(ProcessState.Unknown(pid, ForeignReaper.Describe() + " before Spawn could open its pidfd"), isChild: true);
            Telemetry.ChildFinished(gone.State!, telemetry);
            return gone;
        }
        var child = new PidfdWaitState(pid, isChild: true, new SafePidfdHandle(pidfd)) { UniqueId = PidfsIdentity.Of(pidfd), StartTelemetry = telemetry, InheritedPeakKiB = inheritedPeakKiB };
        child.WatchChild(path);
        return child;
    }

    /// <summary>Any process by PID; one already gone gives a finished state.</summary>
    internal static ProcessWaitState Find(int pid) =>
        OperatingSystem.IsWindows() ? WindowsWaitState.Find(pid)
        : HandleMode.UsePidfd ? PidfdWaitState.Find(pid) : PidWaitState.Find(pid);

    /// <summary>A process that was not there when it was looked up.</summary>
    protected static ProcessWaitState Gone(int pid) =>
        new PidWaitState(ProcessState.Unknown(pid, "no process had this PID when it was looked up"), isChild: false);

    /// <summary>Blocks until the state is known (for a child, reaping it). Idempotent.</summary>
    internal ProcessState Wait()
    {
        while (true)
        {
            if (_state is { } state) return state;
            WaitOnce();
        }
    }

    /// <summary>Completes with the state, its continuations where the process's default says.</summary>
    internal Task<ProcessState> WaitAsync(CancellationToken cancellationToken) => WaitAsync(DefaultContinuation, cancellationToken);

    /// <summary>
    /// Completes with the state; a non-child is watched from its first waiter on. With
    /// <see cref="ExitContinuation.Inline"/> the continuations run on the thread that completes it.
    /// </summary>
    internal Task<ProcessState> WaitAsync(ExitContinuation continuation, CancellationToken cancellationToken)
    {
        if (_state is { } known) return Task.FromResult(known);
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<ProcessState>(cancellationToken);

        Task<ProcessState> task;
        bool firstWaiter;
        lock (Sync)
        {
            if (_state is { } state) return Task.FromResult(state);
            if (Status == Released) throw Disposed();
            firstWaiter = _exited is null && _exitedInline is null;
            if (continuation == ExitContinuation.Inline)
            {
                _exitedInline ??= new TaskCompletionSource<ProcessState>();
                task = _exitedInline.Task;
            }
            else
            {
                _exited ??= new TaskCompletionSource<ProcessState>(TaskCreationOptions.RunContinuationsAsynchronously);
                task = _exited.Task;
            }
        }
        // Children are watched from the start; a non-child is watched once someone waits.
        if (firstWaiter && !IsChild) WatchNonChild();
        return cancellationToken.CanBeCanceled ? task.WaitAsync(cancellationToken) : task;
    }

    /// <summary>
    /// Blocks until the state is known or <paramref name="deadline"/> (Environment.TickCount64)
    /// passes; true when known. Needs no thread-pool thread: the watcher completes the wait itself.
    /// </summary>
    /// <exception cref="ObjectDisposedException">Disposed before the state was known.</exception>
    internal virtual bool WaitUntil(long deadline)
    {
        Task<ProcessState> exited = WaitAsync(CancellationToken.None);
        long remaining = deadline - Environment.TickCount64;
        return remaining <= 0 ? State is not null : Completed(exited, (int)Math.Min(remaining, int.MaxValue));
    }

    /// <summary>True when <paramref name="exited"/> completes within <paramref name="milliseconds"/>; a failed wait counts as completed (Wait reports its failure).</summary>
    protected static bool Completed(Task<ProcessState> exited, int milliseconds)
    {
        try
        {
            return exited.Wait(milliseconds);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the process (or the group it leads); false once it is known to be reaped.</summary>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    internal abstract bool Signal(int signal, bool group);

    /// <summary>What the kernel says of the process (PIDFD_GET_INFO); see <c>ProcessHandle.GetInfo</c>.</summary>
    internal abstract ProcessInfo GetInfo();

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
        return Signal(signal, group: true);
    }

    /// <summary>
    /// The process group the process is in; null once it is known to have finished. Read by PID
    /// (getpgid), then confirmed through the handle (a signal 0, which in handle mode goes through
    /// the pidfd and in PID mode is serialized with the reap): a PID handed on to another process
    /// meanwhile gives null, never that process's group.
    /// </summary>
    /// <exception cref="ObjectDisposedException">Disposed.</exception>
    internal int? ProcessGroupId()
    {
        if (State is not null) return null;
        int group = Interop.Sys.GetPgid(Pid);
        return group > 0 && Signal(0, group: false) ? group : null;
    }

    /// <summary>Runs <paramref name="func"/> with the raw OS handle under a reference.</summary>
    internal virtual TResult WithHandle<TResult>(Func<int, TResult> func)
    {
        int status = Status;
        if (status == Released) throw Disposed();
        if (status == Done) throw new InvalidOperationException($"Process {Pid} has finished; its handle is released.");
        throw new PlatformNotSupportedException("Spawn runs in PID mode here: there is no pidfd.");
    }

    /// <summary>
    /// Releases the handle. Idempotent. A running child is still reaped when it exits; a non-child's
    /// pending waits fail. New waits and signals throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    internal void Dispose()
    {
        int previous = Interlocked.Exchange(ref _status, Released);
        if (previous != Running) return;
        OnReleased();
    }

    /// <summary>One round of a blocking wait; <see cref="Wait"/> loops until the state is known.</summary>
    protected abstract void WaitOnce();

    /// <summary>Starts watching a non-child for its first waiter.</summary>
    protected abstract void WatchNonChild();

    /// <summary>Dispose moved the status Running → Released: drop the owning reference, end what only the owner ends.</summary>
    protected virtual void OnReleased()
    {
    }

    /// <summary>
    /// The state was published: <paramref name="owner"/> is true for the one caller that moved the
    /// status Running → Done and so drops the owning reference.
    /// </summary>
    protected virtual void OnDone(bool owner)
    {
    }

    /// <summary>
    /// Publishes the final state (under <see cref="Sync"/>). The pending waits complete in
    /// <see cref="MarkDone"/>, which every publisher calls once it has let go of the OS handle.
    /// </summary>
    protected void PublishLocked(ProcessState state)
    {
        Check(Monitor.IsEntered(Sync), "the state is published under the lock");
        Check(_state is null, "the state is published once");
        _state = state;
        if (IsChild) Telemetry.ChildFinished(state, StartTelemetry);
    }

    /// <summary>
    /// Fails the pending waits: the watch failed, or a non-child's handle was disposed. Not under
    /// <see cref="Sync"/>: the inline waits' continuations run here.
    /// </summary>
    protected void FailWaiters(Exception failure)
    {
        Check(!Monitor.IsEntered(Sync), "inline continuations never run under the lock");
        TaskCompletionSource<ProcessState>? inline;
        lock (Sync)
        {
            _exited?.TrySetException(failure);
            inline = _exitedInline;
        }
        inline?.TrySetException(failure);
    }

    /// <summary>
    /// Running → Done after the state is published; the winner drops the owning reference. Then the
    /// pending waits complete: a caller whose wait returns finds the handle already closed (unless
    /// something else still holds a reference), as after a blocking Wait. The thread-pool waits are
    /// queued first; the inline ones then run their continuations on this thread, with the wait
    /// state settled and no lock held. Any caller that saw the state may call this; the waits
    /// complete once.
    /// </summary>
    protected void MarkDone()
    {
        ProcessState? state = _state;
        Check(state is not null, "the state is published before the status becomes Done");
        Check(!Monitor.IsEntered(Sync), "inline continuations never run under the lock");
        bool owner = Interlocked.CompareExchange(ref _status, Done, Running) == Running;
        OnDone(owner);
        // Both sources are set under the lock before the state is published, which this thread did
        // or saw (a volatile read) since: so they are visible here.
        Volatile.Read(ref _exited)?.TrySetResult(state!);
        Volatile.Read(ref _exitedInline)?.TrySetResult(state!);
    }

    /// <summary>
    /// Drops the owning reference; a second drop is a broken invariant. (Only this drops it, so a
    /// handle already closed means it was dropped before; no field of its own is spent on this.)
    /// </summary>
    protected static void DropOwningReference(SafeHandle handle)
    {
        Check(!handle.IsClosed, "the owning reference is dropped once");
        handle.Dispose();
    }

    /// <summary>Blocks until another caller publishes the state (or a non-child's handle is disposed first).</summary>
    protected void WaitForPublishedState()
    {
        Task<ProcessState> published;
        lock (Sync)
        {
            if (_state is not null) return;
            _exited ??= new TaskCompletionSource<ProcessState>(TaskCreationOptions.RunContinuationsAsynchronously);
            published = _exited.Task;
        }
        published.GetAwaiter().GetResult();
    }

    protected ObjectDisposedException Disposed() => new("ProcessHandle", $"The handle to process {Pid} was disposed.");

    /// <summary>A broken invariant of the wait protocol is a bug in Spawn: stop here rather than reap twice or hang.</summary>
    protected static void Check(bool invariant, string statement)
    {
        if (!invariant) throw new InvalidOperationException($"Spawn's wait protocol is broken: expected {statement}.");
    }
}
