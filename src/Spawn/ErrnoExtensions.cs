using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>Reading, naming and describing <see cref="Errno"/> values, for messages a person can act on.</summary>
internal static class ErrnoExtensions
{
    extension(Errno)
    {
        /// <summary>The errno of the last failed P/Invoke on this thread.</summary>
        internal static Errno Last() => (Errno)Marshal.GetLastPInvokeError();
    }

    extension(Errno errno)
    {
        /// <summary>
        /// The symbolic name, e.g. "ENOENT"; "errno N" for one without a name here. A switch rather
        /// than Enum.ToString, which allocates and, for an unnamed value, gives only the number.
        /// </summary>
        internal string Name => errno switch
        {
            Errno.EPERM => "EPERM", Errno.ENOENT => "ENOENT", Errno.ESRCH => "ESRCH", Errno.EINTR => "EINTR",
            Errno.EIO => "EIO", Errno.ENXIO => "ENXIO", Errno.E2BIG => "E2BIG", Errno.ENOEXEC => "ENOEXEC",
            Errno.EBADF => "EBADF", Errno.ECHILD => "ECHILD", Errno.EAGAIN => "EAGAIN", Errno.ENOMEM => "ENOMEM",
            Errno.EACCES => "EACCES", Errno.EFAULT => "EFAULT", Errno.EBUSY => "EBUSY", Errno.EEXIST => "EEXIST",
            Errno.ENODEV => "ENODEV", Errno.ENOTDIR => "ENOTDIR", Errno.EISDIR => "EISDIR", Errno.EINVAL => "EINVAL",
            Errno.ENFILE => "ENFILE", Errno.EMFILE => "EMFILE", Errno.ETXTBSY => "ETXTBSY", Errno.EFBIG => "EFBIG",
            Errno.ENOSPC => "ENOSPC", Errno.EROFS => "EROFS", Errno.EPIPE => "EPIPE", Errno.ENAMETOOLONG => "ENAMETOOLONG",
            Errno.ENOSYS => "ENOSYS", Errno.ELOOP => "ELOOP", Errno.EOPNOTSUPP => "EOPNOTSUPP", Errno.ETIMEDOUT => "ETIMEDOUT",
            Errno.ECANCELED => "ECANCELED",
            _ => $"errno {(int)errno}",
        };

        /// <summary>
        /// For an errno that means a resource limit was reached, which limit: a message that only says
        /// "Too many open files" leaves the reader to guess whether it is this process's or the system's.
        /// Null for any other errno.
        /// </summary>
        internal string? LimitHint => errno switch
        {
            Errno.EMFILE => "this process has reached its open-file limit (RLIMIT_NOFILE)",
            Errno.ENFILE => "the system-wide open-file limit was reached (fs.file-max)",
            _ => null,
        };

        /// <summary>"ENOENT (No such file or directory)".</summary>
        internal string Describe() => $"{errno.Name} ({Marshal.GetPInvokeErrorMessage((int)errno)})";
    }
}
