using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>struct spawn_request of native/spawn_native.c (88 bytes on 64-bit); keep the two equal.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SpawnNativeRequest
{
    internal const uint WantPidfd = 0x01, SetSid = 0x02, SetProcessGroup = 0x04, SetGroups = 0x08, SetGid = 0x10, SetUid = 0x20;

    internal uint Size;
    internal uint Flags;
    internal byte* Path;
    internal byte** Argv;
    internal byte** Envp;
    internal byte* WorkingDirectory;
    internal byte* Cgroup;
    internal int* Fds;
    internal uint* Groups;
    internal int FdCount;
    internal int GroupCount;
    internal uint UserId;
    internal uint GroupId;
    internal int ParentDeathSignal;
    internal int Reserved;
}
