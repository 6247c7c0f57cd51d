using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>
/// How <see cref="ProcessHandle.Start(string, IReadOnlyList{string}, StartOptions?)"/> sets up the child: its working directory, environment,
/// file descriptors and process group. Every property has a safe default.
/// </summary>
public sealed class StartOptions
{
    /// <summary>The child's working directory; null keeps ours. A relative program path is resolved against it.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// The child's complete environment as <c>NAME=value</c> entries; null passes this process's
    /// environment as .NET sees it (including <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes).
    /// </summary>
    /// <remarks>
    /// With null, every start reads .NET's copy of the environment
    /// (<see cref="System.Environment.GetEnvironmentVariables()"/>, about 9 KiB of allocations with
    /// 50 variables). A caller that starts many children with one environment can take it once
    /// into a list and reuse one <see cref="StartOptions"/>: a start then allocates a few hundred bytes.
    /// </remarks>
    public IReadOnlyList<string>? Environment { get; init; }

    /// <summary>The file the child gets as fd 0; null gives it /dev/null.</summary>
    public SafeHandle? Stdin { get; init; }

    /// <summary>The file the child gets as fd 1; null gives it /dev/null.</summary>
    public SafeHandle? Stdout { get; init; }

    /// <summary>The file the child gets as fd 2; null gives it /dev/null.</summary>
    public SafeHandle? Stderr { get; init; }

    /// <summary>Files the child gets as fd 3, 4, ... in order. The child gets no other descriptors.</summary>
    public IReadOnlyList<SafeHandle>? ExtraFiles { get => _extraFiles; init => _extraFiles = value; }

    /// <summary>Start the child as the leader of a new process group (its pgid is its pid).</summary>
    public bool NewProcessGroup { get => _newProcessGroup; init => _newProcessGroup = value; }

    /// <summary>Start the child as the leader of a new session (setsid), detached from our terminal.</summary>
    public bool NewSession { get => _newSession; init => _newSession = value; }

    /// <summary>
    /// A cgroup v2 directory (for example <c>/sys/fs/cgroup/my.slice/job</c>) to start the child in;
    /// null keeps ours. The child is created inside it (<c>clone3</c> with <c>CLONE_INTO_CGROUP</c>),
    /// so not one of its instructions runs outside, and whatever it forks is in it too. The cgroup
    /// must exist and be writable by us; the kernel refuses one that has controllers enabled for its
    /// children (EBUSY). Needs the Linux fast path (<see cref="ProcessHandle.SpawnPath"/>).
    /// </summary>
    public string? CgroupPath { get; init; }

    /// <summary>
    /// The user ID the child runs as (setuid in the child, after the groups); null keeps ours. Needs
    /// privilege (CAP_SETUID) and the Linux fast path (<see cref="ProcessHandle.SpawnPath"/>).
    /// </summary>
    public uint? UserId { get; init; }

    /// <summary>
    /// The group ID the child runs as (setgid in the child, before the user ID); null keeps ours.
    /// Needs privilege (CAP_SETGID) and the Linux fast path (<see cref="ProcessHandle.SpawnPath"/>).
    /// </summary>
    public uint? GroupId { get; init; }

    /// <summary>
    /// The child's supplementary groups (setgroups in the child). Null keeps ours, except that when
    /// <see cref="UserId"/> or <see cref="GroupId"/> is set it means none: a child started as another
    /// user never keeps our groups by accident (root's, for instance). Needs privilege (CAP_SETGID)
    /// and the Linux fast path (<see cref="ProcessHandle.SpawnPath"/>).
    /// </summary>
    public IReadOnlyList<uint>? SupplementaryGroups { get; init; }

    /// <summary>
    /// A signal (1 to 64, e.g. <see cref="Signals.SIGKILL"/>) the kernel sends the child when this
    /// process dies (prctl PR_SET_PDEATHSIG); null for none. Needs the Linux fast path
    /// (<see cref="ProcessHandle.SpawnPath"/>).
    /// </summary>
    /// <remarks>
    /// Linux sends it when the <em>thread</em> that created the child exits, not the process, and .NET
    /// threads come and go (a thread-pool thread retires after a while idle). So Spawn creates every
    /// child that has a parent-death signal from one thread of its own that lives as long as the
    /// process: the signal then comes when this process ends, however it ends. If this process is
    /// already gone by the time the child sets the signal up, the child sends it to itself. The kernel
    /// clears it when the child executes a set-user-ID or set-group-ID program or one with file
    /// capabilities.
    /// </remarks>
    public int? ParentDeathSignal { get; init; }

    /// <summary>Windows: the job object the child is created in (the command layer's containment); null for none.</summary>
    internal SafeHandle? Job { get; init; }

    /// <summary>
    /// Limits the child sets on itself before it executes the program, inherited by what it starts:
    /// open files, CPU seconds, address space, core size (resource limits), nice value, CPU affinity.
    /// Only those: the limits on a whole tree (memory, CPUs, processes) belong to a cgroup, and are
    /// given to <see cref="ProcessTree.Create(ResourceLimits?)"/> or <see cref="Command.WithLimits"/>;
    /// set here they throw <see cref="ArgumentException"/>. Needs the Linux fast path
    /// (<see cref="ProcessHandle.SpawnPath"/>).
    /// </summary>
    public ResourceLimits? Limits { get; init; }

    /// <summary>cgroup v1 cgroup.procs files the child joins before exec (a tree's v1 controllers on hybrid systems).</summary>
    internal IReadOnlyList<SafeHandle>? CgroupJoinFiles { get; init; }

    /// <summary>
    /// Set by a command starting its child: the command records the start failure and the exit in
    /// telemetry itself, with what only it knows (a timeout, a cancellation), so the handle does not.
    /// </summary>
    internal bool ReportedByCommand { get; init; }

    /// <summary>
    /// Make the child's peak memory (<see cref="ProcessState.MaxRssBytes"/>) its own, exactly: start it
    /// through Spawn's tiny <c>spawn-exec</c> program, which forks it and exits, so that the memory the
    /// child replaces at exec is a few pages rather than ours. Without it, Linux folds our own peak
    /// resident size into a child started vfork-style (as every path here starts them), and a child
    /// whose peak stays below ours reports none. Costs one more short-lived process per start.
    /// </summary>
    /// <remarks>
    /// The child is still this process's child, with the same descriptors, environment, working
    /// directory, credentials, cgroup, process group or session, parent-death signal and default
    /// signal dispositions, and a failed start throws the same <see cref="ProcessStartException"/>.
    /// Where <c>spawn-exec</c> is not next to Spawn.dll (it is built with the native helper and needs
    /// a static C library) the child is started as without this option, and its peak may be unknown.
    /// </remarks>
    public bool ExactPeakMemory { get; init; }

    /// <summary>
    /// Where the continuations of <see cref="ProcessHandle.WaitAsync(CancellationToken)"/> on this
    /// child's handle run (default <see cref="Spawn.ExitContinuation.ThreadPool"/>). With
    /// <see cref="Spawn.ExitContinuation.Inline"/> they run on the thread that sees the exit, one
    /// wake-up sooner: only for continuations that are short and never block (read that value's
    /// contract). A wait may still choose for itself with
    /// <see cref="ProcessHandle.WaitAsync(Spawn.ExitContinuation, CancellationToken)"/>.
    /// </summary>
    public ExitContinuation ExitContinuation { get; init; }

    // Backing fields for the options the spawn-exec trampoline changes on its copy (below).
    private IReadOnlyList<SafeHandle>? _extraFiles;
    private bool _newProcessGroup;
    private bool _newSession;

    /// <summary>
    /// The options spawn-exec itself starts with: every option (a copy of all of them, so one added
    /// later is not lost), plus its control socket as the fd after the extra files, and without the
    /// process group or session, which spawn-exec applies to the program instead of to itself.
    /// </summary>
    internal StartOptions ForExecTrampoline(SafeHandle control)
    {
        var copy = (StartOptions)MemberwiseClone();
        copy._extraFiles = [.. ExtraFiles ?? [], control];
        copy._newProcessGroup = false;
        copy._newSession = false;
        return copy;
    }

    /// <summary>
    /// A pseudo-terminal (<see cref="Spawn.PseudoTerminal.Open"/>) to be the child's controlling
    /// terminal: the child starts as the leader of a new session, gets the terminal as fd 0, 1 and 2
    /// and takes it (so its signal characters, job control and <c>/dev/tty</c> work), with the
    /// window size and settings the terminal has before the child runs. <see cref="Stdin"/>,
    /// <see cref="Stdout"/> and <see cref="Stderr"/> must be null. A terminal serves one child: our
    /// copy of its slave end is closed once the child has started, so that reading
    /// <see cref="Spawn.PseudoTerminal.Output"/> ends when the child and whatever it started have
    /// closed the terminal.
    /// </summary>
    public PseudoTerminal? PseudoTerminal { get; init; }

    /// <summary>After the start: our copy of the terminal's slave closes, so the master reads EIO (the end) once the child's side is done.</summary>
    internal void CloseTerminalSlave() => PseudoTerminal?.Pair.CloseSlave();

    /// <summary>True when the child takes a pseudo-terminal as its controlling terminal.</summary>
    internal bool TakesTerminal => PseudoTerminal is not null;

    /// <summary>True when the child starts a new session: asked for, or to take a controlling terminal.</summary>
    internal bool StartsSession => NewSession || TakesTerminal;

    /// <summary>The terminal's slave end while it waits for its child; null without a terminal.</summary>
    internal Microsoft.Win32.SafeHandles.SafeFileHandle? TerminalSlave => PseudoTerminal?.Pair.Slave;

    /// <summary>The terminal's slave path, which the portable path opens in the child; null without a terminal.</summary>
    internal string? TerminalSlaveName => PseudoTerminal?.Pair.SlaveName;

    /// <summary>True when an option is set that only the Linux fast path supports.</summary>
    internal bool NeedsLinuxClone =>
        CgroupPath is not null || UserId is not null || GroupId is not null || SupplementaryGroups is not null || ParentDeathSignal is not null
        || Limits is { HasProcessLimits: true } || CgroupJoinFiles is { Count: > 0 };
}
