using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>
/// struct epoll_event is packed on x86-64 (12 bytes: the 64-bit data follows the 32-bit mask
/// directly) and naturally aligned elsewhere (16 bytes), so it is read and written by offset.
/// </summary>
internal static unsafe class EpollEvent
{
    internal static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    internal static void Write(byte* record, uint events, ulong data)
    {
        *(uint*)record = events;
        Unsafe.WriteUnaligned(record + DataOffset, data);
    }

    internal static uint ReadEvents(byte* record) => *(uint*)record;

    internal static ulong ReadData(byte* record) => Unsafe.ReadUnaligned<ulong>(record + DataOffset);
}
