namespace Spawn.Interop;

/// <summary>Names of the native libraries Spawn binds to.</summary>
internal static class Libraries
{
    /// <summary>The C library; the runtime maps "libc" to the platform's libc soname.</summary>
    internal const string Libc = "libc";
}
