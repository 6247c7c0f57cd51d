using System.Collections;
using System.Runtime.InteropServices;
using System.Text;

namespace Spawn.Benchmarks.Floor;

/// <summary>
/// A program path, argv and envp as NUL-terminated native strings, built once and reused for every
/// start: the floor pays nothing per start but the system calls.
/// </summary>
internal sealed unsafe class RawCommand : IDisposable
{
    private byte* _block;

    internal RawCommand(string path, params string[] argv)
    {
        var environment = new List<string>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            environment.Add($"{entry.Key}={entry.Value}");
        }
        string[] strings = [path, .. argv, .. environment];
        long bytes = strings.Sum(s => (long)Encoding.UTF8.GetByteCount(s) + 1);
        long pointers = (argv.Length + 1 + environment.Count + 1) * sizeof(byte*);
        _block = (byte*)NativeMemory.Alloc((nuint)(pointers + bytes));
        byte* cursor = _block + pointers;
        Argv = (byte**)_block;
        Envp = Argv + argv.Length + 1;
        Path = Put(ref cursor, path);
        for (int i = 0; i < argv.Length; i++) Argv[i] = Put(ref cursor, argv[i]);
        Argv[argv.Length] = null;
        for (int i = 0; i < environment.Count; i++) Envp[i] = Put(ref cursor, environment[i]);
        Envp[environment.Count] = null;
    }

    internal byte* Path { get; }

    internal byte** Argv { get; }

    internal byte** Envp { get; }

    public void Dispose()
    {
        NativeMemory.Free(_block);
        _block = null;
    }

    private static byte* Put(ref byte* cursor, string value)
    {
        byte* start = cursor;
        int written = Encoding.UTF8.GetBytes(value, new Span<byte>(cursor, int.MaxValue));
        cursor[written] = 0;
        cursor += written + 1;
        return start;
    }
}

/// <summary>The floor: posix_spawn + pidfd_open to start, waitid(P_PIDFD) to reap. Nothing else.</summary>
internal static unsafe class Raw
{
    /// <summary>Starts the command with our fds inherited (or <paramref name="stdoutFd"/> as its fd 1); returns its pidfd.</summary>
    internal static int Start(RawCommand command, int stdoutFd = -1)
    {
        int pid;
        int error;
        if (stdoutFd < 0)
        {
            error = Native.PosixSpawn(&pid, command.Path, null, null, command.Argv, command.Envp);
        }
        else
        {
            byte* fileActions = stackalloc byte[Native.FileActionsSize];
            Native.FileActionsInit(fileActions);
            Native.FileActionsAddDup2(fileActions, stdoutFd, 1);
            error = Native.PosixSpawn(&pid, command.Path, fileActions, null, command.Argv, command.Envp);
            Native.FileActionsDestroy(fileActions);
        }
        if (error != 0) throw Native.Error("posix_spawn", error);
        int pidfd = Native.PidfdOpen(pid, 0);
        if (pidfd < 0) throw Native.LastError("pidfd_open");
        return pidfd;
    }

    /// <summary>Blocks until the child exits, reaps it, closes the pidfd; returns the exit code (128+signal when killed).</summary>
    internal static int WaitAndClose(int pidfd)
    {
        byte* info = stackalloc byte[Native.SigInfoSize];
        while (Native.Waitid(Native.P_PIDFD, pidfd, info, Native.WEXITED) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EINTR) throw Native.Error("waitid", errno);
        }
        Native.Close(pidfd);
        return ExitCode(info);
    }

    /// <summary>Reaps the child if it has exited (WNOHANG); true and the exit code when it was.</summary>
    internal static bool TryReap(int pidfd, out int exitCode)
    {
        byte* info = stackalloc byte[Native.SigInfoSize];
        new Span<byte>(info, Native.SigInfoSize).Clear();
        if (Native.Waitid(Native.P_PIDFD, pidfd, info, Native.WEXITED | Native.WNOHANG) < 0) throw Native.LastError("waitid");
        exitCode = ExitCode(info);
        return *(int*)(info + 16) != 0; // si_pid: 0 while the child still runs
    }

    internal static void Kill(int pidfd)
    {
        if (Native.PidfdSendSignal(pidfd, Native.SIGKILL, null, 0) < 0) throw Native.LastError("pidfd_send_signal");
    }

    /// <summary>A close-on-exec pipe: [0] read end, [1] write end.</summary>
    internal static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Native.Pipe2(fds, Native.O_CLOEXEC) < 0) throw Native.LastError("pipe2");
        return (fds[0], fds[1]);
    }

    private static int ExitCode(byte* info)
    {
        int code = *(int*)(info + 8);
        int status = *(int*)(info + 24);
        return code == Native.CLD_EXITED ? status : 128 + status;
    }

    /// <summary>Throws unless the exit code is 0: every benchmark checks that its children really ran.</summary>
    internal static void Expect0(int exitCode, string what)
    {
        if (exitCode != 0) throw new InvalidOperationException($"floor: {what} exited with {exitCode}");
    }
}
