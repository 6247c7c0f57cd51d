using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// <see cref="StartOptions.ExactPeakMemory"/>: the program is started through spawn-exec
/// (native/spawn_exec.c), a tiny static program that forks it with CLONE_PARENT and exits. Every
/// spawn path here starts children vfork-style, so at exec Linux folds the peak resident size of
/// the memory being replaced, ours, into the child's ru_maxrss; a program forked from spawn-exec
/// replaces a few pages instead, so its figure is its own.
/// </summary>
/// <remarks>
/// <para>The protocol: spawn-exec is started on the chosen spawn path with every option but the
/// process group and session (which it applies to the program), and with one end of a
/// close-on-exec socket pair as the fd after the extra files. It answers with one message: the
/// program's pid (a child of ours), the errno and stage of a failed start, and, when asked for,
/// the program's pidfd (SCM_RIGHTS, taken at the clone, so no one can reap the program before we
/// hold it). We reap spawn-exec at once; a program whose exec failed is reaped too, and the start
/// throws the same <see cref="ProcessStartException"/> an ordinary start would.</para>
/// <para>If spawn-exec itself cannot be started (missing, not executable for the child's user, a
/// working directory or cgroup that fails) or cannot fork (an emulator that refuses CLONE_PARENT),
/// the program is started the ordinary way instead: the error, if there is one, is then the
/// program's own, exactly as without the option.</para>
/// </remarks>
internal static unsafe class ExecTrampoline
{
    internal const string FileName = "spawn-exec";

    private const uint WantPidfd = 0x01;
    private const uint SetSid = 0x02;
    private const uint SetProcessGroup = 0x04;

    // Where the program's start failed, as native/spawn_exec.c reports it (enum exec_stage).
    private const int StageUsage = 1;
    private const int StageClone = 2;

    /// <summary>No report came (the socket reached its end first).</summary>
    private const int StageNoReport = -1;

    /// <summary>How a start whose exec failed ends the child (spawn paths and spawn-exec alike).</summary>
    private const int ExecFailedExit = 127;
    private const int StageSession = 3;
    private const int StageParentDeathSignal = 4;

    private const int EIO = 5;

    private static readonly Lazy<string?> s_path = new(Locate);

    /// <summary>The spawn-exec program, or null where it is not available (then the ordinary start is used).</summary>
    internal static string? Path => s_path.Value;

    /// <summary>
    /// Next to Spawn (a build, a publish, a tool), else where a NuGet restore put it for a
    /// RID-neutral app. A NuGet package does not keep the execute bit, so it is set here if missing.
    /// </summary>
    private static string? Locate()
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string baseDirectory = AppContext.BaseDirectory;
        foreach (string candidate in new[] { System.IO.Path.Combine(baseDirectory, FileName), System.IO.Path.Combine(baseDirectory, "runtimes", rid, "native", FileName) })
        {
            if (!File.Exists(candidate)) continue;
            // (The check is for the platform analyzer: this file runs only on Linux.)
            if (OperatingSystem.IsLinux())
            try
            {
                const UnixFileMode Execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                UnixFileMode mode = File.GetUnixFileMode(candidate);
                if ((mode & Execute) != Execute) File.SetUnixFileMode(candidate, mode | Execute);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not ours to change: if it cannot be run, each start falls back to the ordinary one.
            }
            return candidate;
        }
        return null;
    }

    /// <summary>
    /// Starts <paramref name="path"/> through spawn-exec at <paramref name="trampoline"/> (the
    /// <see cref="ISpawnStep"/> contract). <paramref name="spawnDirect"/> is the chosen spawn path; it
    /// starts spawn-exec, or the program itself if spawn-exec cannot be started. <paramref name="exact"/>
    /// says which happened: true when the program's peak memory is its own.
    /// </summary>
    internal static int Spawn(string trampoline, string path, IReadOnlyList<string> argv, StartOptions options, bool wantPidfd,
        SpawnDirect spawnDirect, out int pidfd, out bool exact)
    {
        int* pair = stackalloc int[2];
        if (Sys.SocketPair(Sys.AF_UNIX, Sys.SOCK_SEQPACKET | Sys.SOCK_CLOEXEC, 0, pair) < 0)
        {
            throw new ProcessStartException(path, Marshal.GetLastPInvokeError(), "the socket to spawn-exec could not be made");
        }
        int ours = pair[0];
        var theirs = new SafeFileHandle(pair[1], ownsHandle: true);
        try
        {
            StartOptions trampolineOptions = options.ForExecTrampoline(theirs);
            int controlFd = 3 + (options.ExtraFiles?.Count ?? 0);
            uint flags = (wantPidfd ? WantPidfd : 0) | (options.NewSession ? SetSid : options.NewProcessGroup ? SetProcessGroup : 0);
            string[] trampolineArgv =
            [
                trampoline,
                controlFd.ToString(System.Globalization.CultureInfo.InvariantCulture),
                flags.ToString(System.Globalization.CultureInfo.InvariantCulture),
                (options.ParentDeathSignal ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                path,
                .. argv,
            ];
            int trampolinePid, trampolinePidfd;
            try
            {
                trampolinePid = spawnDirect(trampoline, trampolineArgv, trampolineOptions, wantPidfd, out trampolinePidfd);
            }
            catch (ProcessStartException)
            {
                // Whatever stopped spawn-exec stops the program too, or concerns spawn-exec alone
                // (say, not executable for the child's user): the ordinary start reports the first
                // exactly as without the option, and gets past the second.
                exact = false;
                return spawnDirect(path, argv, options, wantPidfd, out pidfd);
            }
            // Only spawn-exec may hold the other end now: if it dies without answering, we read EOF.
            theirs.Dispose();
            Report report = Receive(ours, out int programPidfd);
            int? trampolineExit = Reap(trampolinePid, trampolinePidfd); // it exits right after its message
            bool createdNothing = report.Pid <= 0 &&
                (report.Stage == StageClone || (report.Stage == StageNoReport && trampolineExit == ExecFailedExit));
            if (createdNothing)
            {
                // spawn-exec could not fork (an emulator without CLONE_PARENT, a process limit), or
                // never ran (an exec failure that the spawn path could not report: an emulator that
                // turns vfork into fork). Nothing was created: the ordinary start works, or fails as
                // it would without the option.
                if (programPidfd >= 0) _ = Sys.Close(programPidfd);
                exact = false;
                return spawnDirect(path, argv, options, wantPidfd, out pidfd);
            }
            exact = true;
            return Finish(path, report, programPidfd, wantPidfd, out pidfd);
        }
        finally
        {
            theirs.Dispose();
            _ = Sys.Close(ours);
        }
    }

    /// <summary>The chosen spawn path, as <see cref="Spawner"/> calls it (ISpawnStep's signature).</summary>
    internal delegate int SpawnDirect(string path, IReadOnlyList<string> argv, StartOptions? options, bool wantPidfd, out int pidfd);

    [StructLayout(LayoutKind.Sequential)]
    private struct Report
    {
        internal int Pid;
        internal int Error;
        internal int Stage;
    }

    /// <summary>spawn-exec's one message; a zeroed report with Error EIO when it ended without one.</summary>
    private static Report Receive(int socket, out int pidfd)
    {
        pidfd = -1;
        Report report = default;
        CmsgOneFd control = default;
        IoVec data = new() { Base = &report, Length = (nuint)sizeof(Report) };
        MsgHdr header = new() { Iov = &data, IovLength = 1, Control = &control, ControlLength = (nuint)sizeof(CmsgOneFd) };
        nint received;
        do
        {
            received = Sys.RecvMsg(socket, &header, Sys.MSG_CMSG_CLOEXEC);
        }
        while (Eintr.Interrupted((int)received));
        if (header.ControlLength >= 20 && control.Level == Sys.SOL_SOCKET && control.Type == Sys.SCM_RIGHTS)
        {
            pidfd = control.Fd;
        }
        if (received != sizeof(Report))
        {
            return new Report { Pid = -1, Error = received < 0 ? Marshal.GetLastPInvokeError() : EIO, Stage = StageNoReport };
        }
        return report;
    }

    /// <summary>
    /// Reaps a child of ours that has ended or is about to (by pidfd where there is one, closing it).
    /// Its exit code, or null when a signal ended it or another component reaped it (ECHILD).
    /// </summary>
    private static int? Reap(int pid, int pidfd)
    {
        if (pidfd >= 0)
        {
            SigInfo info = default;
            int result;
            while (Eintr.Interrupted(result = Sys.Waitid(Sys.P_PIDFD, pidfd, &info, Sys.WEXITED, null)))
            {
            }
            _ = Sys.Close(pidfd);
            return result == 0 && info.Code == SigInfo.CLD_EXITED ? info.Status : null;
        }
        if (pid > 0)
        {
            int status = 0;
            int result;
            while (Eintr.Interrupted(result = Sys.Wait4(pid, &status, 0, null)))
            {
            }
            return result == pid && (status & 0x7f) == 0 ? (status >> 8) & 0xff : null;
        }
        return null;
    }

    private static int Finish(string path, Report report, int programPidfd, bool wantPidfd, out int pidfd)
    {
        pidfd = -1;
        if (report.Error == 0 && report.Pid > 0 && (programPidfd >= 0 || !wantPidfd))
        {
            pidfd = programPidfd >= 0 ? DescriptorPlacement.MoveHigh(programPidfd) : -1;
            return report.Pid;
        }
        // The program was created but did not start (or the report is broken): it is our child, reap it.
        if (report.Pid > 0)
        {
            if (report.Error == 0 && programPidfd < 0) Sys.Kill(report.Pid, Signals.SIGKILL);
            Reap(report.Pid, programPidfd);
        }
        else if (programPidfd >= 0)
        {
            _ = Sys.Close(programPidfd);
        }
        int error = report.Error != 0 ? report.Error : EIO;
        string? detail = report.Stage switch
        {
            StageSession => "setsid or setpgid failed in the child",
            StageParentDeathSignal => "prctl(PR_SET_PDEATHSIG) failed in the child",
            StageUsage => "spawn-exec refused its arguments: a bug in Spawn",
            StageNoReport => "spawn-exec ended without reporting the program's start",
            _ => null,
        };
        throw new ProcessStartException(path, error, detail);
    }
}
