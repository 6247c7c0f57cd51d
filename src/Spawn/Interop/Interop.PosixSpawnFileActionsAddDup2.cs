using System.Runtime.InteropServices;

namespace Spawn.Interop;

internal static partial class Sys
{
    /// <summary>
    /// posix_spawn_file_actions_adddup2(3). When source and target are the same fd, glibc (2.29+)
    /// clears close-on-exec on it instead, so an fd already at its place is still inherited.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static unsafe partial int PosixSpawnFileActionsAddDup2(void* fileActions, int fd, int newFd);
}
