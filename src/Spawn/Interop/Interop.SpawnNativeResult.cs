using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>struct spawn_result of native/spawn_native.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SpawnNativeResult
{
    internal int Pid;
    internal int Pidfd;
    internal int Error;
    internal SpawnNativeStage Stage;
}

/// <summary>enum spawn_stage of native/spawn_native.c: the step a failed start failed in.</summary>
internal enum SpawnNativeStage
{
    None = 0,
    Request = 1,
    CgroupOpen = 2,
    Clone = 3,
    Session = 4,
    SetGroups = 5,
    SetGid = 6,
    SetUid = 7,
    ParentDeathSignal = 8,
    Fds = 9,
    WorkingDirectory = 10,
    Exec = 11,
}
