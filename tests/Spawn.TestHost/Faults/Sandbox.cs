using System.Runtime.InteropServices;
using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// <c>Spawn.TestHost seccomp EPERM|ENOSYS RUNS [all|open|waitid|signal|clone-pidfd]</c>: first
/// installs a seccomp filter (on every thread: SECCOMP_FILTER_FLAG_TSYNC) that makes the chosen
/// pidfd calls fail with that errno — pidfd_open, pidfd_send_signal, waitid with idtype P_PIDFD
/// (other waitid calls still work), clone with CLONE_PIDFD; "all" refuses all four — and clone3
/// with ENOSYS as Docker's default profile does (glibc then falls back to clone). Only then is Spawn
/// used, so its once-per-process probe meets the sandbox. Runs the workload, prints
/// "mode handle|pid path P: right N ..." and exits 0 when every state was right.
/// </summary>
internal static unsafe class Sandbox
{
    [Flags]
    private enum Refused
    {
        PidfdOpen = 1,
        PidfdSendSignal = 2,
        WaitidPidfd = 4,
        ClonePidfd = 8,
        All = PidfdOpen | PidfdSendSignal | WaitidPidfd | ClonePidfd,
    }

    private const int PR_SET_NO_NEW_PRIVS = 38;
    private const long SYS_seccomp = 317, SYS_pidfd_open = 434, SYS_pidfd_send_signal = 424, SYS_waitid = 247, SYS_clone = 56, SYS_clone3 = 435;
    private const int SECCOMP_SET_MODE_FILTER = 1, SECCOMP_FILTER_FLAG_TSYNC = 1;
    private const uint AUDIT_ARCH_X86_64 = 0xC000003E;
    private const uint SECCOMP_RET_ALLOW = 0x7FFF0000, SECCOMP_RET_ERRNO = 0x00050000;
    private const uint CLONE_PIDFD = 0x1000;
    private const int P_PIDFD = 3, P_PID = 1, WEXITED = 4, WNOHANG = 1;

    // Classic BPF opcodes (linux/filter.h) and the offsets of struct seccomp_data's fields.
    private const ushort LoadWordAbsolute = 0x20, JumpIfEqual = 0x15, JumpIfAnyBit = 0x45, Return = 0x06;
    private const uint OffsetNr = 0, OffsetArch = 4, OffsetArg0 = 16;

    internal static int Run(string errnoName, int runs, string variant)
    {
        int errno = Libc.ErrnoFromName(errnoName);
        Refused refused = variant switch
        {
            "all" => Refused.All,
            "open" => Refused.PidfdOpen,
            "waitid" => Refused.WaitidPidfd,
            "signal" => Refused.PidfdSendSignal,
            "clone-pidfd" => Refused.ClonePidfd,
            _ => throw new ArgumentException($"unknown variant {variant}"),
        };
        Install(refused, errno);
        if (!CheckFilter(refused, errno)) return 1;

        // The first use of Spawn: its probe runs now, under the filter.
        string mode = ProcessHandle.UsesPidfd ? "handle" : "pid";
        Console.WriteLine($"mode {mode} path {ProcessHandle.SpawnPath}");

        var work = new Workload(allowUnknown: false);
        for (int i = 0; i < runs; i++) work.RunOne(i);
        if (ProcessHandle.SpawnPath == SpawnPath.LinuxClone) StartInCgroup(work);
        var (children, zombies) = Libc.ChildCount();
        if (children != 0) work.Fail($"{children} children left ({zombies} zombies)");
        Console.WriteLine($"mode {mode} path {ProcessHandle.SpawnPath}: {work.Summary()}, children left {children}");
        work.PrintProblems(Console.Out);
        return work.Wrong == 0 ? 0 : 1;
    }

    /// <summary>
    /// Only clone3 can start a child inside a cgroup, and the filter refuses it (ENOSYS): the start
    /// must fail with that, typed, and say so; nothing is left behind (the tree's cgroup is removed).
    /// </summary>
    private static void StartInCgroup(Workload work)
    {
        try
        {
            _ = new Command("/bin/true").WithProcessTree().RunAsync().GetAwaiter().GetResult();
            work.Fail("a start in a cgroup worked although clone3 is refused");
        }
        catch (CgroupUnavailableException e)
        {
            Console.WriteLine($"cgroup start: not possible here ({e.Message})");
        }
        catch (ProcessStartException e) when (e.ErrorName == "ENOSYS" && e.Message.Contains("clone3", StringComparison.Ordinal))
        {
            Console.WriteLine($"cgroup start: {e.GetType().Name} {e.ErrorName}: {e.Message}");
        }
        catch (Exception e)
        {
            work.Fail($"cgroup start: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Checks the filter does what it should: the refused calls fail, the rest work.</summary>
    private static bool CheckFilter(Refused refused, int errno)
    {
        bool ok = true;
        int self = Environment.ProcessId;
        long fd = Libc.Syscall(SYS_pidfd_open, self, 0, 0, 0);
        int openError = fd < 0 ? Libc.LastError : 0;
        ok &= Expect("pidfd_open", refused.HasFlag(Refused.PidfdOpen) ? errno : 0, openError);

        byte* info = stackalloc byte[128];
        // waitid(P_PID) on a PID that is not our child must still answer ECHILD: only P_PIDFD is refused.
        int waitError = Libc.Waitid(P_PID, self, info, WEXITED | WNOHANG) < 0 ? Libc.LastError : 0;
        ok &= Expect("waitid(P_PID)", Libc.ECHILD, waitError);
        if (fd >= 0)
        {
            int pidfdWaitError = Libc.Waitid(P_PIDFD, (int)fd, info, WEXITED | WNOHANG) < 0 ? Libc.LastError : 0;
            ok &= Expect("waitid(P_PIDFD)", refused.HasFlag(Refused.WaitidPidfd) ? errno : Libc.ECHILD, pidfdWaitError);
            int signalError = Libc.Syscall(SYS_pidfd_send_signal, (nint)fd, 0, 0, 0) < 0 ? Libc.LastError : 0;
            ok &= Expect("pidfd_send_signal", refused.HasFlag(Refused.PidfdSendSignal) ? errno : 0, signalError);
            Libc.Close((int)fd);
        }
        int clone3Error = Libc.Syscall(SYS_clone3, 0, 0, 0, 0) < 0 ? Libc.LastError : 0;
        ok &= Expect("clone3", Libc.ENOSYS, clone3Error);
        return ok;
    }

    private static bool Expect(string call, int expected, int actual)
    {
        Console.WriteLine($"filter: {call} -> {(actual == 0 ? "ok" : Libc.ErrnoName(actual))}");
        if (expected == actual) return true;
        Console.WriteLine($"filter: {call} should give {(expected == 0 ? "ok" : Libc.ErrnoName(expected))}");
        return false;
    }

    private static void Install(Refused refused, int errno)
    {
        var program = new List<(ushort Code, string? True, string? False, uint K)>();
        var labels = new Dictionary<string, int>();
        void Emit(ushort code, uint k, string? onTrue = null, string? onFalse = null) => program.Add((code, onTrue, onFalse, k));
        void Label(string name) => labels[name] = program.Count;
        string Verdict(Refused call) => refused.HasFlag(call) ? "deny" : "allow";

        Emit(LoadWordAbsolute, OffsetArch);
        Emit(JumpIfEqual, AUDIT_ARCH_X86_64, null, "allow");
        Emit(LoadWordAbsolute, OffsetNr);
        Emit(JumpIfEqual, (uint)SYS_pidfd_open, Verdict(Refused.PidfdOpen), null);
        Emit(JumpIfEqual, (uint)SYS_pidfd_send_signal, Verdict(Refused.PidfdSendSignal), null);
        Emit(JumpIfEqual, (uint)SYS_waitid, "waitid", null);
        Emit(JumpIfEqual, (uint)SYS_clone, "clone", null);
        Emit(JumpIfEqual, (uint)SYS_clone3, "enosys", "allow");
        Label("waitid");
        Emit(LoadWordAbsolute, OffsetArg0); // idtype
        Emit(JumpIfEqual, P_PIDFD, Verdict(Refused.WaitidPidfd), "allow");
        Label("clone");
        Emit(LoadWordAbsolute, OffsetArg0); // flags (low 32 bits)
        Emit(JumpIfAnyBit, CLONE_PIDFD, Verdict(Refused.ClonePidfd), "allow");
        Label("deny");
        Emit(Return, SECCOMP_RET_ERRNO | (uint)errno);
        Label("enosys");
        Emit(Return, SECCOMP_RET_ERRNO | Libc.ENOSYS);
        Label("allow");
        Emit(Return, SECCOMP_RET_ALLOW);

        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: jumps are relative to the next instruction.
        ulong* filter = stackalloc ulong[program.Count];
        for (int i = 0; i < program.Count; i++)
        {
            var (code, onTrue, onFalse, k) = program[i];
            byte jt = onTrue is null ? (byte)0 : checked((byte)(labels[onTrue] - i - 1));
            byte jf = onFalse is null ? (byte)0 : checked((byte)(labels[onFalse] - i - 1));
            filter[i] = code | ((ulong)jt << 16) | ((ulong)jf << 24) | ((ulong)k << 32);
        }
        // struct sock_fprog { u16 len; struct sock_filter *filter; }
        byte* fprog = stackalloc byte[16];
        *(ushort*)fprog = (ushort)program.Count;
        *(ulong**)(fprog + 8) = filter;

        if (Libc.Prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw new InvalidOperationException($"prctl(PR_SET_NO_NEW_PRIVS): {Libc.ErrnoName(Libc.LastError)}");
        long result = Libc.Syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (nint)fprog, 0);
        if (result != 0)
        {
            throw new InvalidOperationException(result > 0
                ? $"seccomp TSYNC: thread {result} could not take the filter"
                : $"seccomp: {Libc.ErrnoName(Marshal.GetLastPInvokeError())}");
        }
    }
}
