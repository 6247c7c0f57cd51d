using System.Runtime.InteropServices;

namespace Spawn.Interop;

// The Linux fast path: native/spawn_native.c, its two entry points and its request/result structs.
internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<int> s_spawnNativeProbe =
        (delegate* unmanaged<int>)SpawnNativeLibrary.Find("spawn_native_probe_v1");

    /// <summary>Whether libspawn_native.so was found with both of its entry points.</summary>
    internal static bool HasSpawnNative => s_spawnNativeProbe != null && s_spawnNativeClone != null;

    /// <summary>spawn_native_probe_v1: 0 when this kernel can run the fast path (close_range, Linux 5.9+), else the errno.</summary>
    internal static int SpawnNativeProbe() => s_spawnNativeProbe();

    private static readonly delegate* unmanaged<SpawnNativeRequest*, SpawnNativeResult*, int> s_spawnNativeClone =
        (delegate* unmanaged<SpawnNativeRequest*, SpawnNativeResult*, int>)SpawnNativeLibrary.Find("spawn_native_clone_v1");

    /// <summary>
    /// spawn_native_clone_v1: starts the child the request describes. 0 with pid and pidfd in the
    /// result, or the errno with the result's stage saying where it failed; nothing is left behind.
    /// </summary>
    internal static int SpawnNativeClone(SpawnNativeRequest* request, SpawnNativeResult* result) =>
        s_spawnNativeClone(request, result);
}

/// <summary>
/// Spawn's own native helper, libspawn_native.so (native/spawn_native.c), built by the project for
/// each target runtime where a C compiler is present and copied next to Spawn.dll (packed as
/// runtimes/linux-x64/native/ and runtimes/linux-arm64/native/). Loaded with the assembly's probing
/// and bound by export lookups, never by DllImport: where it is absent, Spawn keeps its portable
/// spawn path instead of failing.
/// </summary>
internal static class SpawnNativeLibrary
{
    private static readonly nint s_handle = Load();

    private static nint Load() =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64
        && NativeLibrary.TryLoad("libspawn_native", typeof(SpawnNativeLibrary).Assembly, DllImportSearchPath.AssemblyDirectory, out nint handle)
            ? handle : 0;

    /// <summary>The address of an export, or 0 when the library or the export is missing.</summary>
    internal static nint Find(string name) =>
        s_handle != 0 && NativeLibrary.TryGetExport(s_handle, name, out nint address) ? address : 0;
}

/// <summary>struct spawn_request of native/spawn_native.c (136 bytes on 64-bit); keep the two equal.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SpawnNativeRequest
{
    internal const uint WantPidfd = 0x01, SetSid = 0x02, SetProcessGroup = 0x04, SetGroups = 0x08, SetGid = 0x10, SetUid = 0x20, SetNice = 0x40;

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
    internal SpawnNativeRlimit* Rlimits;
    internal ulong* Affinity;
    internal int* JoinCgroupFds;
    internal int RlimitCount;
    internal int Nice;
    internal int AffinitySize;
    internal int JoinCgroupCount;
    internal int TerminalFd;
    internal int TerminalReserved;
}

/// <summary>struct spawn_rlimit of native/spawn_native.c: one resource limit the child sets on itself.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SpawnNativeRlimit
{
    internal const int RLIMIT_CPU = 0, RLIMIT_CORE = 4, RLIMIT_NOFILE = 7, RLIMIT_AS = 9;

    internal int Resource;
    internal int Reserved;
    internal ulong Soft;
    internal ulong Hard;
}


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
    CgroupJoin = 12,
    Rlimit = 13,
    Nice = 14,
    Affinity = 15,
    Terminal = 16,
}
