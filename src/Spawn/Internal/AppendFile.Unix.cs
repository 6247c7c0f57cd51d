using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Opens a file for a child to append to, with O_APPEND on the descriptor itself: .NET's
/// FileMode.Append only tracks the offset in the SafeFileHandle, while a child's every write must
/// land at the end.
/// </summary>
internal static class AppendFile
{
    /// <exception cref="IOException">It could not be opened; the HResult is the errno.</exception>
    internal static SafeFileHandle Open(string path)
    {
        if (OperatingSystem.IsWindows()) return WindowsAppendFile.Open(path);
        int fd;
        do
        {
            // EINTR: opening a FIFO blocks until a reader comes, and a signal can interrupt that.
            fd = Sys.Open(path, Sys.O_WRONLY | Sys.O_CREAT | Sys.O_APPEND | Sys.O_CLOEXEC, 0b110_110_110);
        }
        while (Eintr.Interrupted(fd));
        if (fd < 0)
        {
            Errno errno = Errno.Last();
            throw new IOException($"Opening '{path}' for appending failed: {errno.Describe()}", (int)errno);
        }
        return new SafeFileHandle(fd, ownsHandle: true);
    }
}
