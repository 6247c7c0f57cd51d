using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>Tells "found but not executable" from "not found" when a program is looked up in PATH.</summary>
internal static class ExecutableFile
{
    /// <summary>access(X_OK): true when this process may execute <paramref name="path"/>.</summary>
    internal static bool IsExecutable(string path) => Sys.Access(path, Sys.X_OK) == 0;
}
