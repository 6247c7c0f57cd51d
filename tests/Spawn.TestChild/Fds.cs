using System.Runtime.InteropServices;

namespace Spawn.TestChild;

/// <summary>
/// <c>fds</c>: lists the descriptors this process inherited across execve, as
/// "<c>&lt;fd&gt; &lt;readlink target&gt;</c>" lines in ascending order.
///
/// By the time Main runs, the runtime has opened ~25 descriptors of its own. Measured on
/// .NET 10.0 / Linux (strace, and ls -l /proc/PID/fd, both via the apphost and
/// <c>env -i dotnet Spawn.TestChild.dll</c>, std fds on /dev/null), they are:
///   - a pipe pair (PAL synchronization manager worker), and later more pipe pairs
///     (System.Native's signal-handling pipe, threads' wake-up pipes);
///   - F_DUPFD_CLOEXEC duplicates of 0, 1 and 2 made by the PAL at start-up (and by
///     Console streams later) — same target as 0/1/2, so indistinguishable by name;
///   - memfd:doublemapper (W^X executable memory), /dev/urandom;
///   - socket:[...] (the diagnostics IPC server, absent with DOTNET_EnableDiagnostics=0);
///   - every managed assembly loaded so far, each opened twice (System.Private.CoreLib,
///     the app dll, System.Runtime, System.Console, ...; the set depends on what was JIT-ed).
/// A name-based exclusion list would therefore be fragile (pipes and dups of 0/1/2 look exactly
/// like leaked descriptors). Instead this uses the one property execve guarantees: a descriptor
/// that survived exec had FD_CLOEXEC clear, while every descriptor the host and runtime keep open
/// is created with O_CLOEXEC / F_DUPFD_CLOEXEC / SOCK_CLOEXEC / MFD_CLOEXEC, or gets FD_CLOEXEC
/// via F_SETFD right after open (assemblies). So: FD_CLOEXEC set ⇒ the runtime's, not inherited.
///
/// Two exceptions were seen in strace, both opened WITHOUT O_CLOEXEC:
///   - short-lived reads of /proc/self/{mountinfo,cgroup}, /proc/PID/stat, /sys/devices/...,
///     /sys/fs/cgroup/... (cgroup and CPU probing; some happen on a new runtime thread as it
///     starts, so one could in principle be open at the moment of the snapshot) — excluded by
///     target prefix /proc/ and /sys/;
///   - the debugger transport FIFO /tmp/clr-debug-pipe-PID-...-in, opened by a runtime thread
///     that blocks in open() until a debugger attaches — excluded by name, in case one does.
/// Limitation: a genuinely inherited descriptor whose target is under /proc or /sys, or whose
/// FD_CLOEXEC was set by someone after exec (only this process could do that), is not listed.
/// </summary>
internal static partial class Fds
{
    private const int F_GETFD = 1;
    private const int FD_CLOEXEC = 1;

    // fcntl is variadic in C; F_GETFD takes no third argument, and on x86-64 and arm64 Linux a
    // fixed-argument call is ABI-compatible with the variadic callee for leading int arguments.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd);

    public static int Run()
    {
        // Materialise the directory listing first: the enumeration's own directory fd is in it
        // and is closed by the time we query it below (F_GETFD then fails with EBADF: skipped).
        string[] entries = Directory.GetFileSystemEntries("/proc/self/fd");

        var inherited = new List<(int Fd, string Target)>(entries.Length);
        foreach (string entry in entries)
        {
            if (!int.TryParse(Path.GetFileName(entry), out int fd))
            {
                continue;
            }
            int flags = Fcntl(fd, F_GETFD);
            if (flags < 0 || (flags & FD_CLOEXEC) != 0)
            {
                continue; // closed meanwhile, or created by the runtime (see above)
            }
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget; // raw readlink(2) text, e.g. "pipe:[1234]"
            }
            catch (IOException)
            {
                continue; // closed between fcntl and readlink
            }
            if (target is null || IsTransientRuntimeFile(target))
            {
                continue;
            }
            inherited.Add((fd, target));
        }

        inherited.Sort((a, b) => a.Fd.CompareTo(b.Fd));
        foreach ((int fd, string target) in inherited)
        {
            Output.WriteLine(Output.Stdout, $"{fd} {target}");
        }
        return 0;
    }

    private static bool IsTransientRuntimeFile(string target) =>
        target.StartsWith("/proc/", StringComparison.Ordinal)
        || target.StartsWith("/sys/", StringComparison.Ordinal)
        || Path.GetFileName(target).StartsWith("clr-debug-pipe-", StringComparison.Ordinal);
}
