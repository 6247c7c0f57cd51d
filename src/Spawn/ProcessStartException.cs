namespace Spawn;

/// <summary>
/// A program could not be started: it does not exist, is not executable, is a directory, is not in
/// a format the kernel runs, its arguments are too large, or the system is out of a resource.
/// Raised synchronously by the start call; nothing of the failed start is left behind.
/// </summary>
public sealed class ProcessStartException : SpawnException
{
    /// <summary>Creates the exception for a failed start of <paramref name="path"/>.</summary>
    /// <param name="path">The program path that was to be run.</param>
    /// <param name="errorCode">The errno the start failed with.</param>
    /// <param name="detail">Optional extra explanation appended to the message.</param>
    public ProcessStartException(string path, int errorCode, string? detail = null)
        : base(BuildMessage(path, errorCode, detail), errorCode)
    {
        Path = path;
    }

    /// <summary>The program path that could not be started.</summary>
    public string Path { get; }

    /// <summary>The same, for Spawn's own callers, which hold the errno typed.</summary>
    internal ProcessStartException(string path, Errno errno, string? detail = null)
        : this(path, (int)errno, detail)
    {
    }

    private static string BuildMessage(string path, int errorCode, string? detail)
    {
        var errno = (Errno)errorCode;
        string hint = errno switch
        {
            Errno.ENOENT => "no such file",
            Errno.EACCES when Directory.Exists(path) => "it is a directory",
            Errno.EACCES => "permission denied (is it executable?)",
            Errno.ENOEXEC => "not a format the kernel can run (a script without #! line?)",
            Errno.E2BIG => "the arguments and environment are too large",
            Errno.EAGAIN => "the process limit was reached (RLIMIT_NPROC or pid_max)",
            _ => errno.LimitHint ?? "",
        };
        string text = $"Cannot start '{path}': {errno.Describe()}";
        if (hint.Length > 0) text += $": {hint}";
        if (detail is not null) text += $"; {detail}";
        return text;
    }
}
