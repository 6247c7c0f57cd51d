using System.Runtime.InteropServices;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// A container Spawn created to hold one command and everything it starts: a child started in it
/// (<see cref="Command.WithProcessTree"/>) is inside from its first instruction, and every
/// descendant — background jobs, double-forked daemons, new session leaders — stays in it. The tree
/// can then be killed as a whole, waited for until empty, and asked what it used. Disposing kills
/// what is left and removes the container.
/// </summary>
/// <remarks>
/// <para>On Linux the container is a cgroup v2. It needs a hierarchy in which this process may create
/// cgroups (root, or a delegated subtree), and the Linux fast path to start a child inside one;
/// where either is missing, <see cref="Create()"/> throws <see cref="CgroupUnavailableException"/>.</para>
/// <para>On Windows it is a job object that kills what is in it when its last handle closes (so not
/// even our own crash leaves the tree running); the child is created in it
/// (PROC_THREAD_ATTRIBUTE_JOB_LIST). Windows has no signals to send a tree: <see cref="Signal(int)"/>
/// takes only SIGKILL, which terminates the job. Limits on a tree are Linux only so far.</para>
/// </remarks>
public sealed class ProcessTree : IDisposable
{
    private readonly TreeContainer _container;

    private ProcessTree(TreeContainer container) => _container = container;

    /// <summary>The cgroup directory (Linux).</summary>
    /// <exception cref="PlatformNotSupportedException">Windows, where the tree is a job object, not a directory.</exception>
    public string CgroupPath => _container.CgroupPath
        ?? throw new PlatformNotSupportedException("This process tree is a Windows job object; it has no cgroup directory.");

    /// <summary>The limits on the whole tree it was created with (<see cref="Create(ResourceLimits?)"/>), or null.</summary>
    public ResourceLimits? Limits => _container.Limits;

    /// <summary>The v1 cgroups made for the limits (hybrid systems), removed with the tree; for tests.</summary>
    internal IReadOnlyList<string> LimitV1Directories => (_container as CgroupTree)?.LimitV1Directories ?? [];

    /// <summary>The v1 memory cgroup on hybrid systems, else null; for tests.</summary>
    internal string? MemoryV1Path => (_container as CgroupTree)?.MemoryV1Path;

    /// <summary>How a command's start puts its child inside: the cgroup (Linux), the files it joins, the job (Windows).</summary>
    internal TreeContainer Container => _container;

    /// <summary>
    /// Creates a new, empty tree: on Linux a cgroup below this process's own, with a sentinel that
    /// removes it (and kills what runs in it) if this process dies without disposing the tree; on
    /// Windows a job object that kills what is in it when its last handle is closed.
    /// </summary>
    /// <exception cref="CgroupUnavailableException">Linux: cgroups cannot be used here; the message says why.</exception>
    /// <exception cref="SpawnException">A system call failed, for example EMFILE at the open-file limit (the tree needs a few descriptors); nothing is left behind.</exception>
    /// <exception cref="PlatformNotSupportedException">This is neither Linux nor Windows.</exception>
    public static ProcessTree Create() => Create(null);

    /// <summary>
    /// Creates a new, empty tree as <see cref="Create()"/> does, with limits on what the whole tree
    /// may use (Linux only): memory (<c>memory.max</c>, <c>memory.high</c>, <c>memory.swap.max</c>),
    /// CPU (<c>cpu.max</c> as a number of CPUs, <c>cpu.weight</c>) and processes (<c>pids.max</c>). The
    /// controllers are enabled for our cgroup's children where they are not yet (cgroup.subtree_control),
    /// and the limits are written before anything runs in the tree. On hybrid systems, where a controller
    /// is bound to cgroup v1, a v1 cgroup of the tree's name holds the limit; a child started by
    /// <see cref="Command.WithLimits"/> joins it before it executes its program (one started with
    /// <see cref="ProcessHandle.Start(string, IReadOnlyList{string}, StartOptions?)"/> and
    /// <see cref="StartOptions.CgroupPath"/> joins only the v2 cgroup). <see cref="GetUsage"/> then says
    /// how often the limits were reached.
    /// </summary>
    /// <param name="limits">The limits; only those on the whole tree (<see cref="ResourceLimits"/> says which). Null: none.</param>
    /// <exception cref="CgroupUnavailableException">Cgroups cannot be used here, or a controller a limit needs cannot be had or set (the message says which and why).</exception>
    /// <exception cref="ArgumentException">A limit the child sets on itself (open files, nice, ...) was given: those go to <see cref="StartOptions.Limits"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range.</exception>
    /// <exception cref="SpawnException">A system call failed (EMFILE, for example); nothing is left behind.</exception>
    /// <exception cref="PlatformNotSupportedException">This is neither Linux nor Windows, or limits were given on Windows.</exception>
    public static ProcessTree Create(ResourceLimits? limits)
    {
        PlatformGuard.ThrowIfUnsupported();
        if (limits is not null)
        {
            if (limits.HasProcessLimits)
            {
                throw new ArgumentException($"A process tree takes only the limits on the whole tree; those a process sets on itself ({limits.ProcessPart}) go to StartOptions.Limits (Command.WithLimits splits them itself).", nameof(limits));
            }
            limits.Validate();
            if (!limits.NeedsTree) limits = null;
        }
        if (OperatingSystem.IsWindows())
        {
            if (limits is not null)
            {
                throw new PlatformNotSupportedException($"Limits on a process tree ({limits.TreePart}) are Linux only in Spawn (cgroup controllers); on Windows a tree is a job object without them.");
            }
            return new ProcessTree(JobTree.Create());
        }
        return new ProcessTree(CgroupTree.Create(limits));
    }

    /// <summary>The processes in the tree now; empty once the tree is disposed.</summary>
    /// <exception cref="SpawnException">The member list could not be read (Linux: cgroup.procs, EMFILE at the open-file limit, for example).</exception>
    public IReadOnlyList<int> ProcessIds => _container.ProcessIds;

    /// <summary>True when no process is left in the tree (always, once it is disposed).</summary>
    /// <exception cref="SpawnException">Whether the tree is empty could not be read (Linux: cgroup.events).</exception>
    public bool IsEmpty => _container.IsEmpty;

    /// <summary>Sends <paramref name="signal"/> to every process in the tree (see <see cref="Signal(int)"/>).</summary>
    /// <returns>How many processes it was sent to.</returns>
    public int Signal(PosixSignal signal) => Signal(Signals.FromPosixSignal(signal));

    /// <summary>
    /// Sends <paramref name="signal"/> to every process in the tree. On Linux each is addressed through
    /// a pidfd that is checked to belong to this cgroup first, so a PID reused meanwhile by a process
    /// outside is never hit; processes forked during the sweep are caught by further sweeps. On
    /// Windows only SIGKILL can be sent: it terminates the job.
    /// </summary>
    /// <returns>How many processes were signalled.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (0 to 64).</exception>
    /// <exception cref="SpawnException">A member's pidfd or the member list could not be had (EMFILE, for example).</exception>
    /// <exception cref="PlatformNotSupportedException">Windows, and a signal other than SIGKILL.</exception>
    public int Signal(int signal)
    {
        Signals.Validate(signal);
        return _container.Signal(signal);
    }

    /// <summary>
    /// Kills every process in the tree at once, daemons and new sessions included (Linux: cgroup.kill,
    /// kept open since <see cref="Create()"/>, so it works with a full fd table; Windows:
    /// TerminateJobObject). A no-op once the tree is gone.
    /// </summary>
    /// <exception cref="SpawnException">The kill could not be written.</exception>
    public void Kill() => _container.Kill();

    /// <summary>Completes when no process is left in the tree, or the tree is disposed; no polling.</summary>
    /// <exception cref="SpawnException">Whether the tree is empty could not be read.</exception>
    public Task WaitEmptyAsync(CancellationToken cancellationToken = default) => _container.WaitEmptyAsync(cancellationToken);

    /// <summary>
    /// What the tree has used so far: CPU time and peak memory (Linux: cpu.stat and memory.peak,
    /// kept open since <see cref="Create()"/>; Windows: the job's accounting). After <see cref="Dispose"/>,
    /// what it had used when it was removed.
    /// </summary>
    /// <exception cref="SpawnException">The usage could not be read.</exception>
    /// <exception cref="ObjectDisposedException">The tree was disposed and its final usage could not be read then.</exception>
    public TreeUsage GetUsage() => _container.GetUsage();

    /// <summary>
    /// Kills what is left, waits until the tree is empty, and removes it, all on the calling thread
    /// (no thread-pool thread is needed), bounded. On Linux, should the cgroup still be busy after
    /// that (a process stuck in the kernel), the tree's sentinel is left to remove it once it can.
    /// Idempotent.
    /// </summary>
    public void Dispose() => _container.Dispose();
}
