using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Where this process sits in the cgroup hierarchies, read once from /proc/self/mountinfo and
/// /proc/self/cgroup: the cgroup v2 mount (/sys/fs/cgroup on pure-v2 systems, often
/// /sys/fs/cgroup/unified on hybrid ones) and our cgroup in it, and, on hybrid systems where the
/// memory controller is bound to v1, the v1 memory mount and our cgroup there.
/// </summary>
internal static class CgroupHierarchy
{
    private static readonly Lazy<(string? V2Mount, string? V2, Dictionary<string, string> V1)> s_paths = new(Locate);

    /// <summary>Where the cgroup v2 hierarchy is mounted, or null.</summary>
    internal static string? V2Mount => s_paths.Value.V2Mount;

    /// <summary>Our cgroup v2 directory, or null when there is no v2 hierarchy.</summary>
    internal static string? OwnV2Directory => s_paths.Value.V2;

    /// <summary>Our cgroup directory in a v1 memory hierarchy, or null.</summary>
    internal static string? OwnV1MemoryDirectory => OwnV1Directory("memory");

    /// <summary>Our cgroup directory in the v1 hierarchy <paramref name="controller"/> is bound to (hybrid systems), or null.</summary>
    internal static string? OwnV1Directory(string controller) => s_paths.Value.V1.GetValueOrDefault(controller);

    /// <summary>A cgroup's ID (its directory's inode number), or 0 when it cannot be read.</summary>
    internal static ulong IdOf(string directory) => Sys.InodeOf(directory);

    /// <summary>rmdir: true when the directory is gone (removed now or already).</summary>
    internal static bool Remove(string directory) =>
        Sys.Rmdir(directory) == 0 || Errno.Last() == Errno.ENOENT;

    /// <summary>The v1 controllers Spawn can use for a tree's limits on hybrid systems.</summary>
    private static readonly string[] s_v1Controllers = ["memory", "cpu", "pids"];

    private static (string?, string?, Dictionary<string, string>) Locate()
    {
        string? v2Mount = null;
        var v1Mounts = new Dictionary<string, string>();
        try
        {
            foreach (string line in File.ReadLines("/proc/self/mountinfo"))
            {
                // "... mount-point options - fstype source super-options"
                string[] halves = line.Split(" - ", 2);
                if (halves.Length != 2) continue;
                string[] fields = halves[0].Split(' ');
                string[] tail = halves[1].Split(' ');
                if (fields.Length < 5 || tail.Length < 3) continue;
                string mountPoint = fields[4].Replace("\\040", " ", StringComparison.Ordinal);
                if (tail[0] == "cgroup2") v2Mount ??= mountPoint;
                else if (tail[0] == "cgroup")
                {
                    foreach (string controller in tail[2].Split(',').Intersect(s_v1Controllers)) v1Mounts.TryAdd(controller, mountPoint);
                }
            }

            string? v2Path = null;
            var v1 = new Dictionary<string, string>();
            foreach (string line in File.ReadLines("/proc/self/cgroup"))
            {
                // "hierarchy-id:controllers:path"; v2 is "0::path".
                string[] parts = line.Split(':', 3);
                if (parts.Length != 3) continue;
                if (parts[0] == "0" && parts[1].Length == 0) v2Path = parts[2];
                else
                {
                    foreach (string controller in parts[1].Split(',').Intersect(s_v1Controllers))
                    {
                        if (Join(v1Mounts.GetValueOrDefault(controller), parts[2]) is { } directory) v1.TryAdd(controller, directory);
                    }
                }
            }
            return (v2Mount, Join(v2Mount, v2Path), v1);
        }
        catch (IOException)
        {
            return (null, null, []);
        }
    }

    private static string? Join(string? mount, string? path) =>
        mount is null || path is null ? null : Path.Join(mount, path.TrimStart('/'));
}
