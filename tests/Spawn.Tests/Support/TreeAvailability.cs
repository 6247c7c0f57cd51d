namespace Spawn.Tests.Support;

/// <summary>Whether process trees (cgroup v2 and the Linux fast path) can be used by this run.</summary>
internal static class TreeAvailability
{
    /// <summary>
    /// Skips the calling test where cgroups cannot be used (not root, or the portable path); where
    /// they must work (root on the fast path with cgroup v2), a failure to create one is the test's failure.
    /// </summary>
    internal static void SkipUnlessTreesWork()
    {
        try
        {
            ProcessTree.Create().Dispose();
        }
        catch (CgroupUnavailableException e)
        {
            if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone || !Native.IsRoot)
            {
                Assert.Skip($"cgroups cannot be used here ({e.Message})");
            }
            throw;
        }
    }
}
