namespace Spawn.Interop;

internal static unsafe partial class Sys
{
    private static readonly delegate* unmanaged<int> s_spawnNativeProbe =
        (delegate* unmanaged<int>)SpawnNativeLibrary.Find("spawn_native_probe_v1");

    /// <summary>Whether libspawn_native.so was found with both of its entry points.</summary>
    internal static bool HasSpawnNative => s_spawnNativeProbe != null && s_spawnNativeClone != null;

    /// <summary>spawn_native_probe_v1: 0 when this kernel can run the fast path (close_range, Linux 5.9+), else the errno.</summary>
    internal static int SpawnNativeProbe() => s_spawnNativeProbe();
}
