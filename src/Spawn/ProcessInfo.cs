namespace Spawn;

/// <summary>
/// What the kernel says of a running process, read through its pidfd in one call (PIDFD_GET_INFO,
/// Linux 6.13+), so every field belongs to that very process, never to another that reused its PID.
/// </summary>
public sealed class ProcessInfo
{
    internal ProcessInfo(int pid, int parentPid, ProcessCredentials users, ProcessCredentials groups, ulong? cgroupId)
    {
        Pid = pid;
        ParentPid = parentPid;
        Users = users;
        Groups = groups;
        CgroupId = cgroupId;
    }

    /// <summary>The process ID, as seen from our PID namespace.</summary>
    public int Pid { get; }

    /// <summary>The parent's process ID; 0 when the parent is outside our PID namespace (or this is its init).</summary>
    public int ParentPid { get; }

    /// <summary>The user IDs: real, effective, saved, file system.</summary>
    public ProcessCredentials Users { get; }

    /// <summary>The group IDs: real, effective, saved, file system.</summary>
    public ProcessCredentials Groups { get; }

    /// <summary>
    /// The ID of the process's cgroup v2 (the inode number of its directory, as
    /// <c>name_to_handle_at</c> and BPF programs know it); null when the kernel gave none.
    /// </summary>
    public ulong? CgroupId { get; }

    /// <summary>"pid 1234, parent 1, uid 1000, gid 1000, cgroup 5678".</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"pid {Pid}, parent {ParentPid}, uid {Users.Effective}, gid {Groups.Effective}{(CgroupId is ulong id ? $", cgroup {id}" : "")}");
}

/// <summary>A process's four user IDs or four group IDs.</summary>
/// <param name="Real">The real ID: who owns the process.</param>
/// <param name="Effective">The effective ID: what permission checks use.</param>
/// <param name="Saved">The saved set-ID, which the process may switch back to.</param>
/// <param name="FileSystem">The ID file system access is checked with (Linux's fsuid/fsgid).</param>
public readonly record struct ProcessCredentials(uint Real, uint Effective, uint Saved, uint FileSystem);
