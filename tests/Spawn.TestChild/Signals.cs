using System.Globalization;
using System.Runtime.InteropServices;

namespace Spawn.TestChild;

/// <summary>Signal commands and the few libc calls they need.</summary>
internal static partial class Signals
{
    // Linux numbers; identical on x86-64 and arm64 (the "generic" signal table). Only signals a
    // test can sensibly send are named; any other number may be given numerically to `ignore`.
    private static readonly (string Name, int Number)[] s_names =
    [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ABRT", 6), ("USR1", 10), ("USR2", 12),
        ("PIPE", 13), ("ALRM", 14), ("TERM", 15), ("CHLD", 17), ("CONT", 18), ("TSTP", 20),
        ("TTIN", 21), ("TTOU", 22), ("WINCH", 28),
    ];

    private const int SIGABRT = 6;
    private const int SIGSTOP = 19;
    private static readonly nint SIG_DFL = 0;
    private static readonly nint SIG_IGN = 1;
    private static readonly nint SIG_ERR = -1;

    private const int NoSignalExitCode = 3;
    private const int ContinuedExitCode = 7;
    private static readonly TimeSpan TrapTimeout = TimeSpan.FromSeconds(60);

    // glibc's signal() has BSD semantics (sigaction without SA_RESETHAND), which is all that is
    // needed to set SIG_IGN / SIG_DFL. "libc" is special-cased by the runtime to the real libc.
    [LibraryImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static partial nint SetDisposition(int signum, nint handler);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPpid();

    public static int GetParentPid() => GetPpid();

    /// <summary>
    /// <c>ignore SIG... then-sleep SECONDS</c>. SIG_IGN set here also survives the runtime:
    /// System.Native only installs its handlers for SIGINT/SIGQUIT/SIGCONT/SIGCHLD/SIGWINCH
    /// when the console or Process is first used, and deliberately leaves ignored signals alone
    /// ("We respect ignored signals" in pal_signal.c); the CLR's own SIGTERM handler, installed
    /// at start-up, is simply replaced.
    /// </summary>
    public static int Ignore(string[] args)
    {
        int then = Array.IndexOf(args, "then-sleep");
        if (then < 1 || then != args.Length - 2)
        {
            throw new UsageException("usage: ignore SIG... then-sleep SECONDS");
        }
        TimeSpan sleep = Program.ParseSeconds(args[^1]);

        foreach (string arg in args[..then])
        {
            (_, int number) = Parse(arg);
            if (SetDisposition(number, SIG_IGN) == SIG_ERR)
            {
                throw new UsageException($"cannot ignore {arg}: errno {Marshal.GetLastPInvokeError()}");
            }
        }

        Output.Line("ready");
        Thread.Sleep(sleep);
        return 0;
    }

    /// <summary>
    /// <c>trap SIG CODE</c>. PosixSignalRegistration's handler runs on a runtime thread; setting
    /// Cancel stops the runtime's default action (termination for TERM/INT/QUIT/HUP/USR1/USR2),
    /// and the main thread does the printing and exiting so that nothing races Main's return.
    /// The sigaction is in place when Create returns, so "ready" really means ready.
    /// </summary>
    public static int Trap(string[] args)
    {
        if (args.Length != 2)
        {
            throw new UsageException("usage: trap SIG CODE");
        }
        (string name, int number) = Parse(args[0]);
        PosixSignal signal = name switch
        {
            "TERM" => PosixSignal.SIGTERM,
            "INT" => PosixSignal.SIGINT,
            "HUP" => PosixSignal.SIGHUP,
            "QUIT" => PosixSignal.SIGQUIT,
            "WINCH" => PosixSignal.SIGWINCH,
            // .NET accepts raw platform signal numbers (positive values) on Unix.
            "USR1" or "USR2" => (PosixSignal)number,
            _ => throw new UsageException($"trap supports TERM INT HUP QUIT USR1 USR2 WINCH, not {args[0]}"),
        };
        int code = Program.ParseInt(args[1], "CODE");
        if (code is < 0 or > 255)
        {
            throw new UsageException($"exit code {code} is outside 0..255");
        }

        // An inherited SIG_IGN would make PosixSignalRegistration a silent no-op (System.Native
        // "respects ignored signals"), and a non-interactive shell starts background jobs with
        // INT and QUIT ignored: reset to the default first so the trap works however the test
        // runner was started. Tests about inherited dispositions use `sigstate` instead.
        if (SetDisposition(number, SIG_DFL) == SIG_ERR)
        {
            throw new UsageException($"cannot reset {name}: errno {Marshal.GetLastPInvokeError()}");
        }

        using var received = new ManualResetEventSlim();
        using var registration = PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            received.Set();
        });

        Output.Line("ready");
        if (!received.Wait(TrapTimeout))
        {
            return NoSignalExitCode;
        }
        Output.Line($"got {name}");
        return code;
    }

    /// <summary>
    /// <c>sigstate</c>: "blocked=A,B" (main thread's signal mask) and "ignored=C,D" (signals whose
    /// disposition is SIG_IGN), from /proc/self/status, names as in s_names else numbers. What was
    /// inherited across exec shows through, with two runtime-made changes, measured on .NET 10:
    /// PIPE is always ignored (the runtime sets SIG_IGN at start-up), and an inherited SIG_IGN for
    /// TERM is lost (the CLR installs its own SIGTERM handler unconditionally). An inherited
    /// ignore of INT or QUIT is kept, as are other signals the runtime does not catch; the main
    /// thread's mask is exactly the inherited one.
    /// </summary>
    public static int State()
    {
        ulong blocked = 0, ignored = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigBlk:", StringComparison.Ordinal))
            {
                blocked = ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
            {
                ignored = ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        Output.Line("blocked=" + Names(blocked));
        Output.Line("ignored=" + Names(ignored));
        return 0;
    }

    // Bit n of a /proc signal mask is signal n + 1.
    private static string Names(ulong mask)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                int number = bit + 1;
                string? name = Array.Find(s_names, n => n.Number == number).Name;
                names.Add(name ?? number.ToString(CultureInfo.InvariantCulture));
            }
        }
        return string.Join(',', names);
    }

    /// <summary>
    /// <c>stop-self</c>: SIGSTOP cannot be caught, so the whole process stops as kill() returns
    /// to user space and resumes only on SIGCONT; the exit code 7 proves it got that far.
    /// </summary>
    public static int StopSelf()
    {
        Output.Line("ready");
        if (Kill(Environment.ProcessId, SIGSTOP) != 0)
        {
            throw new UsageException($"kill(SIGSTOP) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return ContinuedExitCode;
    }

    /// <summary>
    /// <c>abort</c>: the CLR installs a SIGABRT handler (crash reporting / createdump), so the
    /// disposition is reset to SIG_DFL first; the kernel then terminates the process with
    /// signal 6 (plus a core dump if the core limit and core_pattern allow one).
    /// </summary>
    public static int Abort()
    {
        if (SetDisposition(SIGABRT, SIG_DFL) == SIG_ERR)
        {
            throw new UsageException($"cannot reset SIGABRT: errno {Marshal.GetLastPInvokeError()}");
        }
        Kill(Environment.ProcessId, SIGABRT);
        // Not reached: a process-directed signal with default action "core" kills every thread.
        Thread.Sleep(TimeSpan.FromSeconds(5));
        Output.WriteLine(Output.Stderr, "Spawn.TestChild: still alive after SIGABRT");
        return 1;
    }

    /// <summary>"TERM", "SIGTERM", "term" or "15" → ("TERM", 15).</summary>
    private static (string Name, int Number) Parse(string text)
    {
        if (int.TryParse(text, out int number) && number is > 0 and < 65)
        {
            foreach ((string name, int n) in s_names)
            {
                if (n == number)
                {
                    return (name, n);
                }
            }
            return (text, number);
        }

        string upper = text.ToUpperInvariant();
        if (upper.StartsWith("SIG", StringComparison.Ordinal))
        {
            upper = upper[3..];
        }
        foreach ((string name, int n) in s_names)
        {
            if (name == upper)
            {
                return (name, n);
            }
        }
        throw new UsageException($"unknown signal '{text}'");
    }
}
