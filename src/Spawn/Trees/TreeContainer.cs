using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>
/// What holds a process tree on one operating system: a cgroup on Linux (<see cref="CgroupTree"/>),
/// a job object on Windows (<see cref="JobTree"/>). <see cref="ProcessTree"/> is the public face of
/// one, chosen once when the tree is created; the members say what each platform must do, and how a
/// command's start puts its child inside.
/// </summary>
internal abstract class TreeContainer : IDisposable
{
    /// <summary>The limits on the whole tree, or null.</summary>
    internal abstract ResourceLimits? Limits { get; }

    /// <summary>The processes in the tree now; empty once it is disposed.</summary>
    internal abstract IReadOnlyList<int> ProcessIds { get; }

    /// <summary>True when no process is left (always, once disposed).</summary>
    internal abstract bool IsEmpty { get; }

    /// <summary>Sends a valid signal number to every process in the tree; how many it reached.</summary>
    internal abstract int Signal(int signal);

    /// <summary>Kills every process in the tree at once; a no-op once disposed.</summary>
    internal abstract void Kill();

    /// <summary>Completes when no process is left, or the tree is disposed; no polling.</summary>
    internal abstract Task WaitEmptyAsync(CancellationToken cancellationToken);

    /// <summary>What the tree has used; after disposal, what it had used then.</summary>
    internal abstract TreeUsage GetUsage();

    /// <summary>Kills what is left and releases the container, without the thread pool. Idempotent.</summary>
    public abstract void Dispose();

    /// <summary>Linux: the cgroup directory a child is started in.</summary>
    internal virtual string? CgroupPath => null;

    /// <summary>Linux (hybrid systems): the v1 cgroup.procs files a child joins before it executes its program.</summary>
    internal virtual IReadOnlyList<SafeHandle>? JoinFiles => null;

    /// <summary>Windows: the job object a child is created in (PROC_THREAD_ATTRIBUTE_JOB_LIST).</summary>
    internal virtual SafeHandle? Job => null;

    /// <summary>Called once the command's child has started in the tree (Linux: moves it into v1 memory accounting).</summary>
    internal virtual void AfterStart()
    {
    }
}
