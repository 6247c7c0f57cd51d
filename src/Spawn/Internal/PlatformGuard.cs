using System.Runtime.InteropServices;

namespace Spawn.Internal;

/// <summary>
/// Spawn runs on Linux and Windows (the assembly says so with [SupportedOSPlatform] for both, so the
/// analyzers warn at compile time elsewhere). On other systems its calls are missing or mean
/// something else (macOS has pipe2-less libc and other flag values), so every public entry point
/// that reaches the OS checks first and fails with a message naming what is supported, instead of
/// a DllNotFoundException or EntryPointNotFoundException from deep inside, or worse, a wrong flag.
/// </summary>
internal static class PlatformGuard
{
    /// <summary>What Spawn supports, as messages name it.</summary>
    internal const string Supported = "Linux on x86-64 or arm64, and Windows";

    /// <exception cref="PlatformNotSupportedException">This is neither Linux nor Windows.</exception>
    internal static void ThrowIfUnsupported()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows()) throw Unsupported(RuntimeInformation.OSDescription);
    }

    /// <summary>For what only Linux has here (the calling process's terminal and process groups).</summary>
    /// <exception cref="PlatformNotSupportedException">This is not Linux; the message names <paramref name="what"/>.</exception>
    internal static void ThrowIfNotLinux(string what)
    {
        ThrowIfUnsupported();
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException($"{what}: Linux only in Spawn; this is {RuntimeInformation.OSDescription}.");
    }

    /// <summary>The exception for an operating system Spawn does not support; its message names the supported platforms.</summary>
    internal static PlatformNotSupportedException Unsupported(string operatingSystem) =>
        new($"Spawn supports {Supported} only (it is built on pidfds, clone and epoll, and on process handles and job objects); this is {operatingSystem}.");
}
