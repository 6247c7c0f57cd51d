using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>The parts of siginfo_t that waitid fills for a child (Linux layout, 128 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct SigInfo
{
    internal const int CLD_EXITED = 1;
    internal const int CLD_KILLED = 2;
    internal const int CLD_DUMPED = 3;

    [FieldOffset(0)] internal int Signo;
    [FieldOffset(8)] internal int Code;
    [FieldOffset(16)] internal int Pid;
    [FieldOffset(24)] internal int Status;
}
