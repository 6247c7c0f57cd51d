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
    public IReadOnlyList<SafeHandle>? ExtraFiles { get; init; }

    /// <summary>Start the child as the leader of a new process group (its pgid is its pid).</summary>
    public bool NewProcessGroup { get; init; }

    /// <summary>Start the child as the leader of a new session (setsid), detached from our terminal.</summary>
    public bool NewSession { get; init; }

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
        CgroupPath is not null || UserId is not null || GroupId is not null || SupplementaryGroups is not null || ParentDeathSignal is not null;
}
