using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// A Windows job object: a child is put in it at creation (PROC_THREAD_ATTRIBUTE_JOB_LIST), so not
/// one of its instructions runs outside, and everything it starts is in it too. Terminating the job
/// ends them all, which is what "nothing left running" takes on Windows, where a process's children
/// are not found through it.
/// </summary>
// Windows-only members say so; disposing (closing a handle) is safe to name anywhere.
internal sealed class JobObject : IDisposable
{
    private readonly Kernel32.OwnedHandle _job;

    private JobObject(Kernel32.OwnedHandle job) => _job = job;

    /// <summary>The job's handle, for the start that puts a child in it.</summary>
    internal SafeHandle Handle => _job;

    /// <summary>
    /// A new job. With <paramref name="killOnClose"/> closing its last handle (ours, or our
    /// process's end) kills what is still in it.
    /// </summary>
    /// <exception cref="SpawnException">The job could not be created.</exception>
    [SupportedOSPlatform("windows")]
    internal static unsafe JobObject Create(bool killOnClose)
    {
        Kernel32.OwnedHandle job = Kernel32.CreateJobObject(0, 0);
        if (job.IsInvalid)
        {
            int error = Marshal.GetLastPInvokeError();
            job.Dispose();
            throw new SpawnException($"Creating a job object failed: {WindowsError.Describe(error)}", Errno.ENOMEM);
        }
        if (killOnClose)
        {
            var limits = new Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION { LimitFlags = Kernel32.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE };
            if (!Kernel32.SetInformationJobObject(job, Kernel32.JobObjectExtendedLimitInformation, &limits, (uint)sizeof(Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION)))
            {
                int error = Marshal.GetLastPInvokeError();
                job.Dispose();
                throw new SpawnException($"Setting up a job object failed: {WindowsError.Describe(error)}", Errno.EINVAL);
            }
        }
        return new JobObject(job);
    }

    /// <summary>Ends every process in the job, with the exit code a kill gives (<see cref="WindowsWaitState.KillExitCode"/>). False once the job is closed.</summary>
    [SupportedOSPlatform("windows")]
    internal bool Terminate()
    {
        if (_job.IsClosed) return false;
        return Kernel32.TerminateJobObject(_job, WindowsWaitState.KillExitCode);
    }

    /// <summary>How many processes are in the job now, and CPU time of those that were, or null when the job cannot say.</summary>
    [SupportedOSPlatform("windows")]
    internal unsafe (int Active, TimeSpan User, TimeSpan System)? Accounting()
    {
        Kernel32.JOBOBJECT_BASIC_ACCOUNTING_INFORMATION info;
        if (!Kernel32.QueryInformationJobObject(_job, Kernel32.JobObjectBasicAccountingInformation, &info, (uint)sizeof(Kernel32.JOBOBJECT_BASIC_ACCOUNTING_INFORMATION), 0)) return null;
        return ((int)info.ActiveProcesses, TimeSpan.FromTicks(info.TotalUserTime), TimeSpan.FromTicks(info.TotalKernelTime));
    }

    /// <summary>The job's peak memory (the sum of its processes' committed memory at its highest), or null when the job cannot say.</summary>
    [SupportedOSPlatform("windows")]
    internal unsafe long? PeakMemoryBytes()
    {
        Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION info;
        if (!Kernel32.QueryInformationJobObject(_job, Kernel32.JobObjectExtendedLimitInformation, &info, (uint)sizeof(Kernel32.JOBOBJECT_EXTENDED_LIMIT_INFORMATION), 0)) return null;
        return (long)info.PeakJobMemoryUsed;
    }

    /// <summary>The IDs of the processes in the job now, or null when the job cannot say.</summary>
    [SupportedOSPlatform("windows")]
    internal unsafe int[]? ProcessIds()
    {
        // JOBOBJECT_BASIC_PROCESS_ID_LIST: two counts in the first pointer-sized slot, then the IDs.
        for (int capacity = 64; ; capacity *= 4)
        {
            var buffer = new nuint[capacity + 1];
            fixed (nuint* list = buffer)
            {
                if (Kernel32.QueryInformationJobObject(_job, Kernel32.JobObjectBasicProcessIdList, list, (uint)(buffer.Length * sizeof(nuint)), 0))
                {
                    int count = (int)((uint*)list)[1];
                    return [.. buffer.AsSpan(1, Math.Min(count, capacity)).ToArray().Select(id => (int)id)];
                }
                if (Marshal.GetLastPInvokeError() != Kernel32.ERROR_MORE_DATA || capacity > 1 << 20) return null;
            }
        }
    }

    /// <summary>Has the job post its messages to <paramref name="port"/> with <paramref name="key"/>; false when it refuses.</summary>
    [SupportedOSPlatform("windows")]
    internal unsafe bool PostMessagesTo(SafeHandle port, nuint key)
    {
        bool added = false;
        try
        {
            port.DangerousAddRef(ref added);
            var association = new Kernel32.JOBOBJECT_ASSOCIATE_COMPLETION_PORT { CompletionKey = key, CompletionPort = port.DangerousGetHandle() };
            return Kernel32.SetInformationJobObject(_job, Kernel32.JobObjectAssociateCompletionPortInformation, &association, (uint)sizeof(Kernel32.JOBOBJECT_ASSOCIATE_COMPLETION_PORT));
        }
        finally
        {
            if (added) port.DangerousRelease();
        }
    }

    public void Dispose() => _job.Dispose();
}
