using System.Runtime.InteropServices;

namespace Spawn.Interop;

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
