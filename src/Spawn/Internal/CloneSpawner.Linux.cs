using System.Runtime.InteropServices;
using System.Text;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The Linux fast path: native/spawn_native.c clones the child with CLONE_VM | CLONE_VFORK |
/// CLONE_FILES (| CLONE_PIDFD in handle mode), so neither memory nor the fd table is copied, and
/// the child takes a private table of only the fds it gets (close_range with CLOSE_RANGE_UNSHARE)
/// before execve. Start cost then does not grow with the descriptors this process holds. It also
/// does what posix_spawn cannot: a cgroup from the first instruction, credentials, a parent-death
/// signal. <see cref="ISpawnStep"/> states the contract.
/// </summary>
internal sealed unsafe class CloneSpawner : ISpawnStep
{
    internal static readonly CloneSpawner Instance = new();

    private CloneSpawner()
    {
    }

    /// <summary>Why the fast path cannot run here, or null when it can.</summary>
    internal static readonly string? UnavailableReason = Probe();

    /// <summary>
    /// Set once clone has refused CLONE_PIDFD while a clone without it worked: a seccomp filter
    /// that inspects clone's flags, or an emulator without the flag (QEMU user mode before 8.0
    /// has pidfd_open but not CLONE_PIDFD). From then on children are cloned without it and their
    /// pidfd is opened with pidfd_open right after, as on the portable path.
    /// </summary>
    private static volatile bool s_clonePidfdRefused;

    /// <summary>The environment variable that opts into the fast path on arm64.</summary>
    internal const string Arm64Variable = "SPAWN_ARM64_FAST_PATH";

    /// <summary>The AppContext switch (runtimeconfig.json, RuntimeHostConfigurationOption) that does the same.</summary>
    internal const string Arm64Switch = "Spawn.EnableArm64FastPath";

    private static bool Arm64OptedIn() =>
        System.Environment.GetEnvironmentVariable(Arm64Variable) == "1"
        || (AppContext.TryGetSwitch(Arm64Switch, out bool enabled) && enabled);

    private static string? Probe()
    {
        Architecture architecture = RuntimeInformation.ProcessArchitecture;
        if (!OperatingSystem.IsLinux() || architecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return "it is built for Linux on x86-64 and arm64 only";
        }
        if (architecture == Architecture.Arm64 && !Arm64OptedIn())
        {
            // The arm64 build (and its clone3 trampoline) has only run under emulation, which cannot
            // run this path at all; until it has run on arm64 hardware it is for those who ask.
            return $"on arm64 it is opt-in until it has been proven on arm64 hardware: set {Arm64Variable}=1 or the AppContext switch {Arm64Switch}";
        }
        if (!Sys.HasSpawnNative)
        {
            // Present but not loaded: dlopen needs a descriptor, and this is decided once, at first use.
            return File.Exists(Path.Combine(AppContext.BaseDirectory, "libspawn_native.so"))
                ? "its native library libspawn_native.so could not be loaded (was this process out of descriptors or memory when it first used Spawn?)"
                : "its native library libspawn_native.so is not next to Spawn.dll (was Spawn built without a C compiler?)";
        }
        var error = (Errno)Sys.SpawnNativeProbe();
        return error == 0 ? null : $"this kernel cannot run it (close_range: {error.Describe()}; Linux 5.9 or later is needed)";
    }

    /// <inheritdoc/>
    public int Spawn(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd)
    {
        pidfd = -1;
        byte[]? cgroup = CgroupPath(options?.CgroupPath);
        uint[]? groups = options?.SupplementaryGroups is { } list ? [.. list] : null;
        var files = new ChildFileTable(options);
        ProcessLimitsRequest limits = ProcessLimitsRequest.From(options?.Limits);
        var joins = new HeldDescriptors(options?.CgroupJoinFiles);
        var args = NativeSpawnArguments.Create(path, argv, options?.Environment, options?.WorkingDirectory);
        try
        {
            files.Acquire();
            joins.Acquire();
            Span<int> sources = files.Count <= 64 ? stackalloc int[files.Count] : new int[files.Count];
            files.SourceFds.CopyTo(sources);
            // -1: the child opens /dev/null itself. Ours may sit at a high number, and the child's
            // fd-table copy reaches up to its highest source.
            bool terminal = options?.TakesTerminal == true;
            if (options?.Stdin is null && !terminal) sources[0] = -1;
            if (options?.Stdout is null && !terminal) sources[1] = -1;
            if (options?.Stderr is null && !terminal) sources[2] = -1;
            fixed (int* fds = sources)
            fixed (byte* cgroupPath = cgroup)
            fixed (uint* groupIds = groups)
            fixed (SpawnNativeRlimit* rlimits = limits.Rlimits)
            fixed (ulong* affinity = limits.Affinity)
            fixed (int* joinFds = joins.Fds)
            {
                bool clonePidfd = wantPidfd && !s_clonePidfdRefused;
                var request = new SpawnNativeRequest
                {
                    Size = (uint)sizeof(SpawnNativeRequest),
                    Flags = Flags(options, clonePidfd),
                    Path = args.Path,
                    Argv = args.Argv,
                    Envp = args.Envp,
                    WorkingDirectory = args.WorkingDirectory,
                    Cgroup = cgroupPath,
                    Fds = fds,
                    FdCount = files.Count,
                    Groups = groupIds,
                    GroupCount = groups?.Length ?? 0,
                    UserId = options?.UserId ?? 0,
                    GroupId = options?.GroupId ?? 0,
                    ParentDeathSignal = options?.ParentDeathSignal ?? 0,
                    Rlimits = rlimits,
                    RlimitCount = limits.Rlimits?.Length ?? 0,
                    Nice = limits.Nice ?? 0,
                    Affinity = affinity,
                    AffinitySize = (limits.Affinity?.Length ?? 0) * sizeof(ulong),
                    JoinCgroupFds = joinFds,
                    JoinCgroupCount = joins.Fds?.Length ?? 0,
                    TerminalFd = terminal ? 0 : -1, // fd 0 is the terminal's slave: it becomes the controlling terminal
                };
                SpawnNativeResult result;
                var error = (Errno)Sys.SpawnNativeClone(&request, &result);
                if ((error is Errno.EPERM or Errno.ENOSYS or Errno.EINVAL) && clonePidfd && result.Stage == SpawnNativeStage.Clone)
                {
                    // pidfd_open, waitid(P_PIDFD) and pidfd_send_signal passed the mode probe, yet
                    // clone refused: perhaps only CLONE_PIDFD is refused. No child was created, so
                    // try once without it; only if that works is CLONE_PIDFD the culprit (a refused
                    // clone3, for a cgroup, fails the same way again and is reported as such).
                    request.Flags = Flags(options, wantPidfd: false);
                    error = (Errno)Sys.SpawnNativeClone(&request, &result);
                    if (error == 0) s_clonePidfdRefused = true;
                    clonePidfd = false;
                }
                if (error != 0) throw Failure(path, options, error, result.Stage);
                pidfd = clonePidfd ? result.Pidfd
                    : wantPidfd ? DescriptorPlacement.MoveHigh(ChildPidfd.OpenOrKill(result.Pid, path))
                    : -1;
                return result.Pid;
            }
        }
        finally
        {
            files.Release();
            joins.Release();
            args.Dispose();
        }
    }

    private static uint Flags(StartOptions? options, bool wantPidfd)
    {
        uint flags = wantPidfd ? SpawnNativeRequest.WantPidfd : 0;
        if (options is null) return flags;
        if (options.StartsSession) flags |= SpawnNativeRequest.SetSid;
        else if (options.NewProcessGroup) flags |= SpawnNativeRequest.SetProcessGroup;
        // A child given another user or group never keeps our supplementary groups by accident.
        if (options.SupplementaryGroups is not null || options.UserId is not null || options.GroupId is not null) flags |= SpawnNativeRequest.SetGroups;
        if (options.GroupId is not null) flags |= SpawnNativeRequest.SetGid;
        if (options.Limits?.Nice is not null) flags |= SpawnNativeRequest.SetNice;
        if (options.UserId is not null) flags |= SpawnNativeRequest.SetUid;
        return flags;
    }

    private static byte[]? CgroupPath(string? path)
    {
        if (path is null) return null;
        if (path.Length == 0) throw new ArgumentException("The cgroup path is empty.", nameof(path));
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The cgroup path contains a NUL character; the operating system cannot take it.", nameof(path));
        }
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        return bytes;
    }

    private static ProcessStartException Failure(string path, StartOptions? options, Errno error, SpawnNativeStage stage)
    {
        string? detail = stage switch
        {
            SpawnNativeStage.Exec => null,
            SpawnNativeStage.CgroupOpen => $"the cgroup '{options?.CgroupPath}' could not be opened",
            // Sandboxes refuse clone3 as a whole (Docker's profile answers ENOSYS), and only clone3 can place a child in a cgroup.
            SpawnNativeStage.Clone when options?.CgroupPath is { } cgroup && error is Errno.ENOSYS or Errno.EPERM =>
                $"the child could not be created in the cgroup '{cgroup}': clone3, which alone can do that, is refused here (a seccomp filter?)",
            SpawnNativeStage.Clone when options?.CgroupPath is { } cgroup => $"the child could not be created in the cgroup '{cgroup}' (is it a cgroup v2 directory without controllers enabled for its children?)",
            SpawnNativeStage.Clone => null,
            SpawnNativeStage.Session => options is { StartsSession: true } ? "setsid failed in the child" : "setpgid failed in the child",
            SpawnNativeStage.Terminal => "the child could not take the pseudo-terminal as its controlling terminal (TIOCSCTTY)",
            SpawnNativeStage.SetGroups => "setgroups failed in the child (setting supplementary groups needs CAP_SETGID)",
            SpawnNativeStage.SetGid => $"setgid({options?.GroupId}) failed in the child",
            SpawnNativeStage.SetUid => $"setuid({options?.UserId}) failed in the child",
            SpawnNativeStage.ParentDeathSignal => $"prctl(PR_SET_PDEATHSIG, {options?.ParentDeathSignal}) failed in the child",
            SpawnNativeStage.Fds => "placing the child's file descriptors failed",
            SpawnNativeStage.CgroupJoin => "the child could not join its process tree's cgroup v1 controllers (writing to cgroup.procs)",
            SpawnNativeStage.Rlimit => $"setting the child's resource limits ({options?.Limits}) failed (raising a hard limit needs CAP_SYS_RESOURCE; RLIMIT_NOFILE cannot pass fs.nr_open)",
            SpawnNativeStage.Nice => $"setting the child's nice value to {options?.Limits?.Nice} failed (lowering it below ours needs CAP_SYS_NICE)",
            SpawnNativeStage.Affinity => $"setting the child's CPU affinity to CPUs {string.Join(",", options?.Limits?.CpuAffinity ?? [])} failed (none of them is online and allowed here?)",
            SpawnNativeStage.WorkingDirectory when options?.WorkingDirectory is { } directory =>
                Directory.Exists(directory) ? $"the working directory '{directory}' could not be entered" : $"the working directory '{directory}' does not exist",
            _ => $"the native spawn helper refused the request (stage {stage}): a bug in Spawn",
        };
        return new ProcessStartException(path, error, detail);
    }
}
