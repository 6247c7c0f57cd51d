using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>kernel32: I/O completion ports, here the queue a job object posts its messages to (Windows).</summary>
internal static partial class Kernel32
{
    [LibraryImport(Library, SetLastError = true)]
    internal static partial OwnedHandle CreateIoCompletionPort(nint fileHandle, nint existingCompletionPort, nuint completionKey, uint numberOfConcurrentThreads);

    [LibraryImport(Library, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    internal static partial bool GetQueuedCompletionStatus(SafeHandle completionPort, out uint numberOfBytes, out nuint completionKey, out nint overlapped, uint milliseconds);
}
