namespace Spawn.Interop;

internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<SpawnNativeRequest*, SpawnNativeResult*, int> s_spawnNativeClone =
        (delegate* unmanaged<SpawnNativeRequest*, SpawnNativeResult*, int>)SpawnNativeLibrary.Find("spawn_native_clone_v1");

    /// <summary>
    /// spawn_native_clone_v1: starts the child the request describes. 0 with pid and pidfd in the
    /// result, or the errno with the result's stage saying where it failed; nothing is left behind.
    /// </summary>
    internal static int SpawnNativeClone(SpawnNativeRequest* request, SpawnNativeResult* result) =>
        s_spawnNativeClone(request, result);
}
