namespace Spawn.Interop;

/// <summary>
/// Buffer sizes for glibc's opaque spawn structures. glibc's are 80 (file actions), 336 (attributes)
/// and 128 (sigset_t) bytes on 64-bit Linux; the buffers are larger so a libc with bigger ones is safe.
/// </summary>
internal static class PosixSpawnSizes
{
    internal const int FileActions = 256;
    internal const int Attributes = 1024;
    internal const int SigSet = 128;
}
