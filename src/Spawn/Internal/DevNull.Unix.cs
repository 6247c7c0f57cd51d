using Microsoft.Win32.SafeHandles;

namespace Spawn.Internal;

/// <summary>One /dev/null descriptor (close-on-exec) kept for the process, given to children for unset fds.</summary>
internal static class DevNull
{
    private static SafeFileHandle? s_handle;

    internal static SafeFileHandle Handle =>
        s_handle ?? InitializeHandle();

    private static SafeFileHandle InitializeHandle()
    {
        // .NET opens every file with O_CLOEXEC.
        var handle = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (Interlocked.CompareExchange(ref s_handle, handle, null) is { } existing)
        {
            handle.Dispose();
            return existing;
        }
        return handle;
    }
}
