using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    internal const int O_RDONLY = 0x0;
    internal const int O_WRONLY = 0x1;
    internal const int O_RDWR = 0x2;
    internal const int O_CREAT = 0x40;
    internal const int O_APPEND = 0x400;

    /// <summary>
    /// open(2). Used where the descriptor itself must carry a flag .NET does not set: .NET's
    /// FileMode.Append only tracks the offset in the SafeFileHandle, while a child needs O_APPEND.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags, int mode);
}
