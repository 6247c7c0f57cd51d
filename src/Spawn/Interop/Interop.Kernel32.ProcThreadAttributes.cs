using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>kernel32: the attribute list of an extended start (which handles a child inherits, its job) (Windows).</summary>
internal static partial class Kernel32
{
    internal const nint PROC_THREAD_ATTRIBUTE_HANDLE_LIST = 0x20002;
    internal const nint PROC_THREAD_ATTRIBUTE_JOB_LIST = 0x2000D;

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool InitializeProcThreadAttributeList(nint attributeList, int attributeCount, int flags, ref nint size);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool UpdateProcThreadAttribute(nint attributeList, uint flags, nint attribute, nint value, nint size, nint previousValue, nint returnSize);

    [LibraryImport(Library)]
    internal static partial void DeleteProcThreadAttributeList(nint attributeList);
}
