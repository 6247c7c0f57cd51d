namespace Spawn;

/// <summary>
/// A process tree could not be contained in a cgroup here: no cgroup v2 hierarchy, no permission
/// to create cgroups in ours (root or a delegated subtree is needed), or no Linux fast path to start
/// a child inside one. Spawn never silently falls back to something weaker.
/// </summary>
public sealed class CgroupUnavailableException : SpawnException
{
    /// <summary>Creates the exception with the reason.</summary>
    public CgroupUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
