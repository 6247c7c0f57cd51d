using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Spawn.Internal;

namespace Spawn.Tests.Platform;

/// <summary>What the library says about where it runs: to the analyzers, and at run time elsewhere.</summary>
public sealed class PlatformSupportTests
{
    [Fact]
    public void The_library_declares_Linux_and_Windows_to_the_platform_analyzers()
    {
        var platforms = typeof(ProcessHandle).Assembly.GetCustomAttributes<SupportedOSPlatformAttribute>().Select(a => a.PlatformName).Order();

        Assert.Equal(["linux", "windows"], platforms);
    }

    [Fact]
    public void Another_operating_system_gets_PlatformNotSupportedException_naming_the_supported_platforms()
    {
        PlatformNotSupportedException exception = PlatformGuard.Unsupported("Microsoft Windows 10.0.26100");

        Assert.Contains("Linux on x86-64 or arm64", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Microsoft Windows 10.0.26100", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void On_Linux_the_entry_points_pass_the_guard()
    {
        PlatformGuard.ThrowIfUnsupported();
        _ = ProcessHandle.UsesPidfd;
        _ = ProcessHandle.SpawnPath;
    }

    [Fact]
    public void The_fast_path_is_used_on_x86_64_and_is_opt_in_on_arm64()
    {
        string? reason = Spawner.NotLinuxCloneReason;
        if (Environment.GetEnvironmentVariable("SPAWN_PORTABLE") == "1")
        {
            Assert.Equal("SPAWN_PORTABLE=1 is set", reason);
        }
        else if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64 && Environment.GetEnvironmentVariable(CloneSpawner.Arm64Variable) != "1")
        {
            Assert.NotEqual(SpawnPath.LinuxClone, ProcessHandle.SpawnPath);
            Assert.Contains(CloneSpawner.Arm64Variable, reason, StringComparison.Ordinal);
        }
        else if (File.Exists(Path.Combine(AppContext.BaseDirectory, "libspawn_native.so")))
        {
            // The build copied this machine's helper next to Spawn.dll: it must be in use.
            Assert.Null(reason);
            Assert.Equal(SpawnPath.LinuxClone, ProcessHandle.SpawnPath);
        }
    }
}
