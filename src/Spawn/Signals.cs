using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>Linux signal numbers, and their names as Spawn prints them.</summary>
public static class Signals
{
    /// <summary>Hangup.</summary>
    public const int SIGHUP = 1;
    /// <summary>Interrupt (Ctrl-C).</summary>
    public const int SIGINT = 2;
    /// <summary>Quit.</summary>
    public const int SIGQUIT = 3;
    /// <summary>Abort.</summary>
    public const int SIGABRT = 6;
    /// <summary>Kill (cannot be caught or ignored).</summary>
    public const int SIGKILL = 9;
    /// <summary>User-defined signal 1.</summary>
    public const int SIGUSR1 = 10;
    /// <summary>Segmentation fault.</summary>
    public const int SIGSEGV = 11;
    /// <summary>User-defined signal 2.</summary>
    public const int SIGUSR2 = 12;
    /// <summary>Broken pipe.</summary>
    public const int SIGPIPE = 13;
    /// <summary>Alarm clock.</summary>
    public const int SIGALRM = 14;
    /// <summary>Termination request.</summary>
    public const int SIGTERM = 15;
    /// <summary>Child stopped or exited.</summary>
    public const int SIGCHLD = Interop.Sys.SIGCHLD;
    /// <summary>Continue a stopped process.</summary>
    public const int SIGCONT = 18;
    /// <summary>Stop (cannot be caught or ignored).</summary>
    public const int SIGSTOP = 19;
    /// <summary>Terminal stop.</summary>
    public const int SIGTSTP = 20;
    /// <summary>A background process read from its terminal (stops it by default).</summary>
    public const int SIGTTIN = 21;
    /// <summary>A background process wrote to its terminal with TOSTOP set (stops it by default).</summary>
    public const int SIGTTOU = 22;
    /// <summary>Window size change.</summary>
    public const int SIGWINCH = 28;

    /// <summary>CPU time limit exceeded (24): the kernel sends it at a process's <c>RLIMIT_CPU</c> soft limit.</summary>
    public const int SIGXCPU = 24;

    /// <summary>The highest signal number Linux accepts (SIGRTMAX).</summary>
    public const int MaxSignal = 64;

    private static readonly string[] s_descriptions =
    [
        "signal 0", "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted",
        "bus error", "floating point exception", "killed", "user defined signal 1", "segmentation fault",
        "user defined signal 2", "broken pipe", "alarm clock", "terminated", "stack fault", "child exited",
        "continued", "stopped (signal)", "stopped", "stopped (tty input)", "stopped (tty output)",
        "urgent I/O condition", "CPU time limit exceeded", "file size limit exceeded", "virtual timer expired",
        "profiling timer expired", "window changed", "I/O possible", "power failure", "bad system call",
    ];

    private static readonly string[] s_names =
    [
        "0", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>A short description in the style of strsignal, e.g. "killed" for 9.</summary>
    public static string Describe(int signal) =>
        signal >= 0 && signal < s_descriptions.Length ? s_descriptions[signal] : $"signal {signal}";

    /// <summary>The name without the SIG prefix, e.g. "TERM" for 15, "RTMIN+2" for 36.</summary>
    public static string Name(int signal) =>
        signal >= 0 && signal < s_names.Length ? s_names[signal]
        : signal >= 34 && signal <= MaxSignal ? $"RTMIN+{signal - 34}" : signal.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The Linux number of <paramref name="signal"/>: the named <see cref="PosixSignal"/> values
    /// (which .NET keeps negative and platform-neutral) map to Linux's numbers; a positive value is
    /// taken as a raw signal number, as <see cref="PosixSignalRegistration"/> takes it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Neither a named <see cref="PosixSignal"/> nor a signal number (0 to 64).</exception>
    public static int FromPosixSignal(PosixSignal signal)
    {
        // Only the enum's values are read (the analyzer marks some unsupported on Windows, where
        // .NET cannot register them); the mapping is the same on every system.
#pragma warning disable CA1416
        int number = signal switch
        {
            PosixSignal.SIGHUP => SIGHUP,
            PosixSignal.SIGINT => SIGINT,
            PosixSignal.SIGQUIT => SIGQUIT,
            PosixSignal.SIGTERM => SIGTERM,
            PosixSignal.SIGCHLD => SIGCHLD,
            PosixSignal.SIGCONT => SIGCONT,
            PosixSignal.SIGWINCH => SIGWINCH,
            PosixSignal.SIGTTIN => 21,
            PosixSignal.SIGTTOU => 22,
            PosixSignal.SIGTSTP => SIGTSTP,
            _ when (int)signal >= 0 => (int)signal,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "Not a PosixSignal Spawn knows, nor a signal number."),
        };
#pragma warning restore CA1416
        Validate(number);
        return number;
    }

    internal static void Validate(int signal)
    {
        if (signal < 0 || signal > MaxSignal)
        {
            throw new ArgumentOutOfRangeException(nameof(signal), signal, $"A signal number is 0 to {MaxSignal}.");
        }
    }
}
