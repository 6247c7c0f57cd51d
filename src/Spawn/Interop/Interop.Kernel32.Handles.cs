using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Spawn.Interop;

/// <summary>kernel32: handle duplication, inheritance flags and closing (Windows).</summary>
internal static partial class Kernel32
{
    internal const string Library = "kernel32.dll";

    internal const uint DUPLICATE_SAME_ACCESS = 0x2;
    internal const uint HANDLE_FLAG_INHERIT = 0x1;

    internal const int ERROR_FILE_NOT_FOUND = 2;
    internal const int ERROR_PATH_NOT_FOUND = 3;
    internal const int ERROR_ACCESS_DENIED = 5;
    internal const int ERROR_INVALID_HANDLE = 6;
    internal const int ERROR_NOT_ENOUGH_MEMORY = 8;
    internal const int ERROR_BAD_FORMAT = 11;
    internal const int ERROR_INVALID_PARAMETER = 87;
    internal const int ERROR_FILENAME_EXCED_RANGE = 206;
    internal const int ERROR_MORE_DATA = 234;
    internal const int ERROR_DIRECTORY = 267;
    internal const int ERROR_BAD_EXE_FORMAT = 193;
    internal const int ERROR_ELEVATION_REQUIRED = 740;

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool CloseHandle(nint handle);

    [LibraryImport(Library)]
    internal static partial nint GetCurrentProcess();

    /// <summary>Duplicates <paramref name="source"/> (a handle of this process) within this process.</summary>
    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool DuplicateHandle(nint sourceProcess, SafeHandle source, nint targetProcess,
        out nint target, uint desiredAccess, [MarshalAs(UnmanagedType.Bool)] bool inheritHandle, uint options);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetHandleInformation(SafeHandle handle, out uint flags);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool SetHandleInformation(SafeHandle handle, uint mask, uint flags);

    /// <summary>How many handles a process has open (for leak checks).</summary>
    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetProcessHandleCount(nint process, out uint count);

    /// <summary>A handle this process owns and closes with CloseHandle.</summary>
    internal sealed class OwnedHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public OwnedHandle() : base(ownsHandle: true)
        {
        }

        internal OwnedHandle(nint handle) : base(ownsHandle: true) => SetHandle(handle);

        protected override bool ReleaseHandle() => CloseHandle(handle);
    }
}
