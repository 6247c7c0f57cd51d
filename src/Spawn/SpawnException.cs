namespace Spawn;

/// <summary>A system call made by Spawn failed; <see cref="ErrorCode"/> is the errno it gave.</summary>
public class SpawnException : Exception
{
    /// <summary>Creates the exception for a failed system call.</summary>
    /// <param name="message">What Spawn was doing, already naming the errno.</param>
    /// <param name="errorCode">The errno value.</param>
    public SpawnException(string message, int errorCode) : base(message)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The errno value the system call failed with.</summary>
    public int ErrorCode { get; }

    /// <summary>The symbolic errno name, for example <c>ENOENT</c>.</summary>
    public string ErrorName => Errno.Name(ErrorCode);

    internal static SpawnException FromErrno(string operation, int errno) =>
        new($"{operation} failed: {Errno.Describe(errno)}", errno);
}
