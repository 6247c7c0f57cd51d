using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>struct rusage on 64-bit Linux: two timevals, then longs (ru_maxrss first, in KiB).</summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct RUsage
{
    [FieldOffset(0)] internal long UserSeconds;
    [FieldOffset(8)] internal long UserMicroseconds;
    [FieldOffset(16)] internal long SystemSeconds;
    [FieldOffset(24)] internal long SystemMicroseconds;
    [FieldOffset(32)] internal long MaxRssKiB;
}
