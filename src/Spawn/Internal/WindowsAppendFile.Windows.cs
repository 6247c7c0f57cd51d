using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Opens a file for a child to append to on Windows: with FILE_APPEND_DATA and no FILE_WRITE_DATA
/// every write lands at the end, as O_APPEND does on Linux.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class WindowsAppendFile
{
    /// <exception cref="IOException">It could not be opened.</exception>
    internal static SafeFileHandle Open(string path)
    {
        SafeFileHandle file = Kernel32.CreateFile(path, Kernel32.FILE_APPEND_DATA | Kernel32.SYNCHRONIZE,
            Kernel32.FILE_SHARE_READ | Kernel32.FILE_SHARE_WRITE | Kernel32.FILE_SHARE_DELETE, 0, Kernel32.OPEN_ALWAYS, 0, 0);
        if (file.IsInvalid)
        {
            int error = Marshal.GetLastPInvokeError();
            file.Dispose();
            throw new IOException($"Opening '{path}' for appending failed: {WindowsError.Describe(error)}", error);
        }
        return file;
    }
}
