using System.Runtime.InteropServices;

namespace Spawn.TestHost.Faults;

/// <summary>The libc calls the fault scenarios use to change this process's own state.</summary>
internal static unsafe partial class Libc
{
    internal const int EPERM = 1, EINTR = 4, EAGAIN = 11, ECHILD = 10, EMFILE = 24, ENOSYS = 38;
    internal const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGUSR1 = 10, SIGUSR2 = 12, SIGTERM = 15, SIGCHLD = 17, SIGWINCH = 28;
    internal const int RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7;

    [StructLayout(LayoutKind.Sequential)]
    internal struct RLimit
    {
        internal ulong Current;
        internal ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    internal static partial int SetRLimit(int resource, in RLimit limit);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>syscall(2) with four arguments (pass 0 for those the call does not take).</summary>
    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, nint arg1, nint arg2, nint arg3, nint arg4);

    /// <summary>getrusage(2) into 18 longs (struct rusage on 64-bit Linux); index 4 is ru_maxrss (KiB).</summary>
    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    internal static partial int GetRUsage(int who, long* usage);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "gettid")]
    internal static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "setresuid", SetLastError = true)]
    internal static partial int SetResUid(uint real, uint effective, uint saved);

    [LibraryImport("libc", EntryPoint = "setresgid", SetLastError = true)]
    internal static partial int SetResGid(uint real, uint effective, uint saved);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    internal static partial int SetGroups(nuint size, nint list);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    internal static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    internal static partial int TgKill(int tgid, int tid, int signal);

    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    internal static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    internal static partial int SigAction(int signal, byte* action, byte* oldAction);

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    internal static partial int Execv(nint path, nint* argv);

    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    internal static partial int Waitid(int idType, int id, byte* info, int options);

    internal static readonly nint SIG_IGN = 1;

    internal static int LastError => Marshal.GetLastPInvokeError();

    internal static string ErrnoName(int errno) => errno switch
    {
        EPERM => "EPERM",
        EINTR => "EINTR",
        ECHILD => "ECHILD",
        EAGAIN => "EAGAIN",
        EMFILE => "EMFILE",
        ENOSYS => "ENOSYS",
        _ => $"errno {errno}",
    };

    internal static int ErrnoFromName(string name) => name switch
    {
        "EPERM" => EPERM,
        "ENOSYS" => ENOSYS,
        _ => throw new ArgumentException($"unknown errno name {name}"),
    };

    /// <summary>
    /// Installs <paramref name="handler"/> (an address) for <paramref name="signal"/> with the given
    /// sa_flags, through glibc's struct sigaction on x86-64 (handler, 128-byte mask, flags, restorer).
    /// </summary>
    internal static void SetHandler(int signal, nint handler, int flags)
    {
        byte* action = stackalloc byte[152];
        new Span<byte>(action, 152).Clear();
        *(nint*)action = handler;
        *(int*)(action + 136) = flags;
        if (SigAction(signal, action, null) != 0) throw new InvalidOperationException($"sigaction({signal}) failed: {ErrnoName(LastError)}");
    }

    /// <summary>True when this process's SIGCHLD is ignored (its bit in /proc/self/status SigIgn).</summary>
    internal static bool SigchldIgnored()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        ulong mask = ulong.Parse(line[7..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return (mask & (1UL << (SIGCHLD - 1))) != 0;
    }

    /// <summary>This process's open fds, ascending, but the one the listing itself used.</summary>
    internal static int[] OpenFds() =>
        [.. Directory.GetFileSystemEntries("/proc/self/fd")
            .Where(e => !(new FileInfo(e).LinkTarget is { } target && target.StartsWith("/proc/", StringComparison.Ordinal) && target.EndsWith("/fd", StringComparison.Ordinal)))
            .Select(e => int.Parse(Path.GetFileName(e), System.Globalization.CultureInfo.InvariantCulture)).Order()];

    /// <summary>Children of this process (every thread's list) and how many of them are zombies.</summary>
    internal static (int Children, int Zombies) ChildCount()
    {
        int children = 0, zombies = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            string list;
            try
            {
                list = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }
            foreach (string pid in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                children++;
                try
                {
                    string stat = File.ReadAllText($"/proc/{pid}/stat");
                    if (stat[stat.LastIndexOf(')') + 2] == 'Z') zombies++;
                }
                catch (IOException)
                {
                }
            }
        }
        return (children, zombies);
    }
}
