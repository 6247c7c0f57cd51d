namespace Spawn;

/// <summary>
/// A Linux errno value, typed, for code that branches on why a system call failed (see
/// <see cref="SpawnException.Error"/>). The named members are the values Spawn itself reports or
/// branches on; any other value is kept as its number (<c>(Errno)134</c>), so nothing the kernel
/// says is lost. The numbers are Linux's (the same on x86-64 and arm64).
/// </summary>
public enum Errno
{
    /// <summary>Operation not permitted.</summary>
    EPERM = 1,

    /// <summary>No such file or directory.</summary>
    ENOENT = 2,

    /// <summary>No such process.</summary>
    ESRCH = 3,

    /// <summary>Interrupted system call.</summary>
    EINTR = Interop.Eintr.EINTR,

    /// <summary>Input/output error.</summary>
    EIO = 5,

    /// <summary>No such device or address.</summary>
    ENXIO = 6,

    /// <summary>Argument list too long.</summary>
    E2BIG = 7,

    /// <summary>Exec format error: not a format the kernel can run.</summary>
    ENOEXEC = 8,

    /// <summary>Bad file descriptor.</summary>
    EBADF = 9,

    /// <summary>No child processes (the child is not ours to wait for, or was already reaped).</summary>
    ECHILD = 10,

    /// <summary>Resource temporarily unavailable (for a start: the process limit was reached).</summary>
    EAGAIN = 11,

    /// <summary>Cannot allocate memory.</summary>
    ENOMEM = 12,

    /// <summary>Permission denied.</summary>
    EACCES = 13,

    /// <summary>Bad address.</summary>
    EFAULT = 14,

    /// <summary>Device or resource busy.</summary>
    EBUSY = 16,

    /// <summary>File exists.</summary>
    EEXIST = 17,

    /// <summary>No such device.</summary>
    ENODEV = 19,

    /// <summary>Not a directory.</summary>
    ENOTDIR = 20,

    /// <summary>Is a directory.</summary>
    EISDIR = 21,

    /// <summary>Invalid argument.</summary>
    EINVAL = 22,

    /// <summary>Too many open files in the system (fs.file-max).</summary>
    ENFILE = 23,

    /// <summary>Too many open files in this process (RLIMIT_NOFILE).</summary>
    EMFILE = 24,

    /// <summary>Inappropriate ioctl for device (the kernel does not know the request).</summary>
    ENOTTY = 25,

    /// <summary>Text file busy.</summary>
    ETXTBSY = 26,

    /// <summary>File too large.</summary>
    EFBIG = 27,

    /// <summary>No space left on device.</summary>
    ENOSPC = 28,

    /// <summary>Read-only file system.</summary>
    EROFS = 30,

    /// <summary>Broken pipe.</summary>
    EPIPE = 32,

    /// <summary>File name too long.</summary>
    ENAMETOOLONG = 36,

    /// <summary>Function not implemented (the kernel lacks the system call).</summary>
    ENOSYS = 38,

    /// <summary>Too many levels of symbolic links.</summary>
    ELOOP = 40,

    /// <summary>Operation not supported.</summary>
    EOPNOTSUPP = 95,

    /// <summary>Connection timed out.</summary>
    ETIMEDOUT = 110,

    /// <summary>Operation canceled.</summary>
    ECANCELED = 125,
}
