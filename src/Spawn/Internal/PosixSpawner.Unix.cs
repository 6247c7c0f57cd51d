using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The portable spawn step (<see cref="ISpawnStep"/> states the contract): libc's posix_spawn
/// family, pidfd_spawn where libc has it, else posix_spawn and then pidfd_open.
/// </summary>
internal sealed unsafe class PosixSpawner : ISpawnStep
{
    internal static readonly PosixSpawner Instance = new();

    private PosixSpawner()
    {
    }

    /// <inheritdoc/>
    public int Spawn(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd)
    {
        pidfd = -1;
        var files = new ChildFileTable(options);
        var args = NativeSpawnArguments.Create(path, argv, options?.Environment, options?.WorkingDirectory);
        byte* fileActions = stackalloc byte[PosixSpawnSizes.FileActions];
        byte* attributes = stackalloc byte[PosixSpawnSizes.Attributes];
        bool fileActionsReady = false, attributesReady = false;
        try
        {
            files.Acquire();
            Check(Sys.PosixSpawnFileActionsInit(fileActions), path);
            fileActionsReady = true;
            AddFileActions(fileActions, ref files, args.WorkingDirectory, path);
            if (options?.TerminalSlaveName is { } terminal) AddControllingTerminal(fileActions, terminal, path);

            Check(Sys.PosixSpawnattrInit(attributes), path);
            attributesReady = true;
            SetAttributes(attributes, options, path);

            int pid;
            int error;
            if (wantPidfd && Sys.HasPidfdSpawn)
            {
                int fd;
                error = Sys.PidfdSpawn(&fd, args.Path, fileActions, attributes, args.Argv, args.Envp);
                if (error != 0) throw StartFailure(path, error, options);
                pidfd = fd;
                pid = Sys.PidfdGetPid(fd);
                return pid;
            }

            error = Sys.PosixSpawn(&pid, args.Path, fileActions, attributes, args.Argv, args.Envp);
            if (error != 0) throw StartFailure(path, error, options);
            if (wantPidfd) pidfd = ChildPidfd.OpenOrKill(pid, path);
            return pid;
        }
        finally
        {
            if (attributesReady) _ = Sys.PosixSpawnattrDestroy(attributes);
            if (fileActionsReady) _ = Sys.PosixSpawnFileActionsDestroy(fileActions);
            files.Release();
            args.Dispose();
        }
    }

    private static void AddFileActions(byte* fileActions, ref ChildFileTable files, byte* workingDirectory, string path)
    {
        for (int target = 0; target < files.Count; target++)
        {
            Check(Sys.PosixSpawnFileActionsAddDup2(fileActions, files.SourceFd(target), target), path);
        }
        // Close everything above the fds we placed: the child gets exactly those, whatever other
        // code in this process opened without close-on-exec. Without closefrom (old libc) we rely on
        // close-on-exec, which every fd Spawn creates has.
        if (Sys.HasPosixSpawnFileActionsAddClosefrom)
        {
            Check(Sys.PosixSpawnFileActionsAddClosefrom(fileActions, files.Count), path);
        }
        if (workingDirectory is not null)
        {
            if (!Sys.HasPosixSpawnFileActionsAddChdir)
            {
                throw new PlatformNotSupportedException("This C library cannot set a spawned child's working directory (posix_spawn_file_actions_addchdir_np is missing).");
            }
            Check(Sys.PosixSpawnFileActionsAddChdir(fileActions, workingDirectory), path);
        }
    }

    /// <summary>
    /// The child takes the pseudo-terminal as its controlling terminal by opening it by name as fd 0,
    /// without O_NOCTTY: a session leader without a terminal acquires the first terminal it opens so.
    /// glibc's child calls setsid (POSIX_SPAWN_SETSID) before it runs the file actions, so it is that
    /// leader when the open runs. The descriptors placed before (the same slave) are unchanged.
    /// </summary>
    private static void AddControllingTerminal(byte* fileActions, string slaveName, string path)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(slaveName + "\0");
        fixed (byte* p = name)
        {
            // glibc copies the path into the file actions.
            Check(Sys.PosixSpawnFileActionsAddOpen(fileActions, 0, p, Sys.O_RDWR, 0), path);
        }
    }

    private static void SetAttributes(byte* attributes, StartOptions? options, string path)
    {
        // The child starts with no blocked signals and every signal at its default action: .NET
        // ignores SIGPIPE and may block signals on this thread, and a child must not inherit either.
        short flags = Sys.POSIX_SPAWN_SETSIGMASK | Sys.POSIX_SPAWN_SETSIGDEF;
        if (options is { StartsSession: true }) flags |= Sys.POSIX_SPAWN_SETSID;
        else if (options is { NewProcessGroup: true }) flags |= Sys.POSIX_SPAWN_SETPGROUP; // pgroup 0: its own pid

        byte* sigset = stackalloc byte[PosixSpawnSizes.SigSet];
        _ = Sys.Sigemptyset(sigset);
        Check(Sys.PosixSpawnattrSetsigmask(attributes, sigset), path);
        // Every signal 1..64 back to SIG_DFL, written as bits: sigfillset leaves out glibc's internal
        // signals 32 and 33, which glibc's spawn helper sets to SIG_IGN and exec would keep ignored.
        *(ulong*)sigset = ulong.MaxValue;
        Check(Sys.PosixSpawnattrSetsigdefault(attributes, sigset), path);
        Check(Sys.PosixSpawnattrSetflags(attributes, flags), path);
    }

    private static ProcessStartException StartFailure(string path, int error, StartOptions? options)
    {
        string? detail = null;
        if (options?.WorkingDirectory is { } directory && !Directory.Exists(directory))
        {
            detail = $"the working directory '{directory}' does not exist";
        }
        return new ProcessStartException(path, error, detail);
    }

    private static void Check(int error, string path)
    {
        if (error != 0) throw new ProcessStartException(path, error, "setting up the spawn failed");
    }
}
