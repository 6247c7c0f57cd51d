using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Spawn.Interop;

/// <summary>kernel32: anonymous pipes and the standard handles (Windows).</summary>
internal static partial class Kernel32
{
    internal const int STD_INPUT_HANDLE = -10;
    internal const int STD_OUTPUT_HANDLE = -11;
    internal const int STD_ERROR_HANDLE = -12;

    /// <summary>A pipe whose ends are not inheritable (no security attributes): children get copies by handle list only.</summary>
    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool CreatePipe(out SafeFileHandle read, out SafeFileHandle write, nint securityAttributes, uint size);

    [LibraryImport(Library, SetLastError = true)]
    internal static partial nint GetStdHandle(int which);
}
