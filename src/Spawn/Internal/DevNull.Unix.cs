using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>One /dev/null descriptor (close-on-exec) kept for the process, given to children for unset fds.</summary>
internal static class DevNull
{
    private static SafeFileHandle? s_handle;

    internal static SafeFileHandle Handle =>
        s_handle ?? InitializeHandle();

    private static SafeFileHandle InitializeHandle()
    {
        // Opened here rather than with File.OpenHandle, whose IOException would be the one
        // untyped error of a start at the open-file limit (this is opened by the first start).
        int fd;
        do
        {
            fd = Sys.Open("/dev/null", Sys.O_RDWR | Sys.O_CLOEXEC, 0);
        }
        while (Eintr.Interrupted(fd));
        if (fd < 0) throw SpawnException.FromErrno("Opening /dev/null for the child's unset standard streams", Errno.Last());
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Interlocked.CompareExchange(ref s_handle, handle, null) is { } existing)
        {
            handle.Dispose();
            return existing;
        }
        return handle;
    }
}
