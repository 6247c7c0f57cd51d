namespace Spawn;

/// <summary>
/// The base of what Spawn throws of its own, except cancellations (which derive from
/// <see cref="OperationCanceledException"/>; see <see cref="ISpawnException"/>). When a system call
/// failed, <see cref="Error"/> is the errno it gave (<see cref="ErrorCode"/> the same as a number).
/// </summary>
public class SpawnException : Exception, ISpawnException
{
    /// <summary>Creates the exception for a failed system call.</summary>
    /// <param name="message">What Spawn was doing, already naming the errno.</param>
    /// <param name="errorCode">The errno value.</param>
    public SpawnException(string message, int errorCode) : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>Creates the exception for a failed system call, from its typed errno.</summary>
    internal SpawnException(string message, Errno error) : this(message, (int)error)
    {
    }

    /// <summary>Creates the exception for a failure that is not a system call's.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">What caused it, if anything.</param>
    protected SpawnException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>The errno value the system call failed with; null when no system call failed.</summary>
    public int? ErrorCode { get; }

    /// <summary>
    /// The errno value the system call failed with, typed for branching
    /// (<c>catch (ProcessStartException e) when (e.Error is Errno.ENOENT)</c>); null when no system
    /// call failed. A value <see cref="Errno"/> does not name keeps its number.
    /// </summary>
    public Errno? Error => ErrorCode is int code ? (Errno)code : null;

    /// <summary>The symbolic errno name, for example <c>ENOENT</c>; null when no system call failed.</summary>
    public string? ErrorName => Error?.Name;

    /// <summary>
    /// .NET reports any failure to start an OS thread as <see cref="OutOfMemoryException"/>. The
    /// usual causes are limits: the runtime opens descriptors for each new thread (so none starts at
    /// RLIMIT_NOFILE), and a thread counts against RLIMIT_NPROC. Tell which, by trying for a pipe.
    /// </summary>
    internal static unsafe SpawnException ThreadStartFailed(string thread)
    {
        int* fds = stackalloc int[2];
        if (Interop.Sys.Pipe2(fds, Interop.Sys.O_CLOEXEC) != 0)
        {
            return FromErrno($"Starting {thread} (the runtime needs descriptors for a new thread)", Errno.Last());
        }
        _ = Interop.Sys.Close(fds[0]);
        _ = Interop.Sys.Close(fds[1]);
        return new SpawnException($"Starting {thread} failed: the system could not create a thread (the process limit RLIMIT_NPROC, or memory)", (int)Errno.EAGAIN);
    }

    /// <summary>"OPERATION failed: EMFILE (Too many open files): this process has reached ... (RLIMIT_NOFILE)".</summary>
    internal static SpawnException FromErrno(string operation, Errno errno) =>
        new($"{operation} failed: {errno.Describe()}{(errno.LimitHint is { } hint ? $": {hint}" : "")}", (int)errno);
}
