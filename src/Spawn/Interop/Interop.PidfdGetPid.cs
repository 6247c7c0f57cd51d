namespace Spawn.Interop;

internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<int, int> s_pidfdGetPid =
        (delegate* unmanaged<int, int>)LibcExport.Find("pidfd_getpid");

    /// <summary>pidfd_getpid(3) (glibc 2.39+): the pid a pidfd refers to, or -1 with errno set.</summary>
    internal static int PidfdGetPid(int pidfd) => s_pidfdGetPid(pidfd);
}
