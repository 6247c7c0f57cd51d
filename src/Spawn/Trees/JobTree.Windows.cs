using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// A process tree on Windows: a job object that kills what is in it when its last handle closes
/// (so a crash of ours leaves nothing running either). The command's child is created in it
/// (PROC_THREAD_ATTRIBUTE_JOB_LIST), so not one of its instructions runs outside, and whatever it
/// starts is in the job too. The job's completion-port message says when it is empty
/// (<see cref="JobNotifications"/>).
/// </summary>
[SupportedOSPlatform("windows")]
internal sealed class JobTree : TreeContainer
{
    /// <summary>How long <see cref="Dispose"/> waits, after the kill, for the job to empty.</summary>
    private static readonly TimeSpan s_disposeBound = TimeSpan.FromSeconds(10);

    private readonly JobObject _job;
    private readonly TaskCompletionSource _emptied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private nuint _watch;
    private TreeUsage? _finalUsage;
    private int _disposed;

    private JobTree(JobObject job) => _job = job;

    /// <exception cref="SpawnException">The job object could not be created or watched; nothing is left behind.</exception>
    internal static JobTree Create()
    {
        JobObject job = JobObject.Create(killOnClose: true);
        try
        {
            var tree = new JobTree(job);
            // The job is empty until a child is started in it; only a job that has had a process
            // posts "no process left", which is why IsEmpty is asked before this is awaited.
            tree._watch = JobNotifications.Watch(job, () => tree._emptied.TrySetResult());
            return tree;
        }
        catch
        {
            job.Dispose();
            throw;
        }
    }

    internal override ResourceLimits? Limits => null;

    internal override SafeHandle? Job => _job.Handle;

    internal override IReadOnlyList<int> ProcessIds =>
        Volatile.Read(ref _disposed) != 0 ? [] :
        _job.ProcessIds() ?? throw new SpawnException("The job object did not list its processes.", Errno.EIO);

    internal override bool IsEmpty => Volatile.Read(ref _disposed) != 0 || ActiveProcesses() == 0;

    private int ActiveProcesses() =>
        (_job.Accounting() ?? throw new SpawnException("The job object did not say how many processes it has.", Errno.EIO)).Active;

    /// <summary>SIGKILL terminates the job; 0 asks only how many there are (as kill(2) with 0 does).</summary>
    internal override int Signal(int signal)
    {
        if (signal != Signals.SIGKILL && signal != 0)
        {
            throw new PlatformNotSupportedException($"Windows has no signal {signal} to send a process tree; only SIGKILL (terminating its job object).");
        }
        if (Volatile.Read(ref _disposed) != 0) return 0;
        int members = ProcessIds.Count;
        if (signal == Signals.SIGKILL) Kill();
        return members;
    }

    internal override void Kill()
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        try
        {
            _job.Terminate();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile, which kills them.
        }
    }

    internal override Task WaitEmptyAsync(CancellationToken cancellationToken)
    {
        if (IsEmpty) return Task.CompletedTask;
        return cancellationToken.CanBeCanceled ? _emptied.Task.WaitAsync(cancellationToken) : _emptied.Task;
    }

    internal override TreeUsage GetUsage()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return Volatile.Read(ref _finalUsage) ?? throw new ObjectDisposedException(nameof(ProcessTree), "The process tree's job object was closed before its usage could be read.");
        }
        return ReadUsage();
    }

    private TreeUsage ReadUsage()
    {
        var (_, user, system) = _job.Accounting() ?? throw new SpawnException("The job object did not give its accounting.", Errno.EIO);
        long? peak = _job.PeakMemoryBytes();
        return new TreeUsage(user, system, peak, peak is null ? "the job object did not give its peak memory" : null);
    }

    /// <summary>Terminates the job, waits (bounded, on this thread) until it is empty, keeps the final usage, and closes it.</summary>
    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (ActiveProcessesOrUnknown() != 0)
            {
                _job.Terminate();
                // Completed by the notification thread: no thread-pool thread is needed to wake this.
                _emptied.Task.Wait(s_disposeBound);
            }
            Volatile.Write(ref _finalUsage, ReadUsage());
        }
        catch (SpawnException)
        {
            // Usage is only for GetUsage after disposal: it then says it is not known.
        }
        finally
        {
            JobNotifications.Forget(_watch);
            _job.Dispose(); // the last handle: kill-on-close ends anything still there
            _emptied.TrySetResult();
        }
    }

    private int ActiveProcessesOrUnknown() => _job.Accounting()?.Active ?? -1;
}
