using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>Names and descriptions of Linux errno values, for messages a person can act on.</summary>
internal static class Errno
{
    internal const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = Interop.Eintr.EINTR, EBADF = 9, ECHILD = 10, EAGAIN = 11,
        ENOMEM = 12, EACCES = 13, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOSYS = 38, E2BIG = 7, ENOEXEC = 8,
        EBUSY = 16, ENODEV = 19, ENOTTY = 25;

    private static readonly string?[] s_names = BuildNames();

    private static string?[] BuildNames()
    {
        var names = new string?[134];
        names[1] = "EPERM"; names[2] = "ENOENT"; names[3] = "ESRCH"; names[4] = "EINTR"; names[5] = "EIO";
        names[6] = "ENXIO"; names[7] = "E2BIG"; names[8] = "ENOEXEC"; names[9] = "EBADF"; names[10] = "ECHILD";
        names[11] = "EAGAIN"; names[12] = "ENOMEM"; names[13] = "EACCES"; names[14] = "EFAULT"; names[16] = "EBUSY";
        names[17] = "EEXIST"; names[19] = "ENODEV"; names[20] = "ENOTDIR"; names[21] = "EISDIR"; names[22] = "EINVAL"; names[23] = "ENFILE";
        names[24] = "EMFILE"; names[25] = "ENOTTY"; names[26] = "ETXTBSY"; names[27] = "EFBIG"; names[28] = "ENOSPC"; names[30] = "EROFS";
        names[32] = "EPIPE"; names[36] = "ENAMETOOLONG"; names[38] = "ENOSYS"; names[40] = "ELOOP";
        names[95] = "EOPNOTSUPP"; names[110] = "ETIMEDOUT"; names[125] = "ECANCELED";
        return names;
    }

    /// <summary>The symbolic name, e.g. "ENOENT"; "errno N" for one without a name here.</summary>
    internal static string Name(int errno) =>
        errno > 0 && errno < s_names.Length && s_names[errno] is { } name ? name : $"errno {errno}";

    /// <summary>
    /// For an errno that means a resource limit was reached, which limit: a message that only says
    /// "Too many open files" leaves the reader to guess whether it is this process's or the system's.
    /// Null for any other errno.
    /// </summary>
    internal static string? LimitHint(int errno) => errno switch
    {
        EMFILE => "this process has reached its open-file limit (RLIMIT_NOFILE)",
        ENFILE => "the system-wide open-file limit was reached (fs.file-max)",
        _ => null,
    };

    /// <summary>"ENOENT (No such file or directory)".</summary>
    internal static string Describe(int errno) => $"{Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
}
