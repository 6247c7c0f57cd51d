using Spawn.Tests.Support;

namespace Spawn.Tests.Cli;

/// <summary>
/// The same argument lists through GNU timeout and through `spawn run`: equal statuses (exit code
/// or death by signal), equal stdout, and equal stderr but for the tool's name, as a script sees them.
/// </summary>
public sealed class GnuTimeoutParityTests
{
    /// <summary>Each case is GNU timeout's argument list; spawn gets the same words after "run".</summary>
    public static TheoryData<string, string[]> Cases => new()
    {
        { "success", ["5", "true"] },
        { "exit code", ["5", "sh", "-c", "exit 3"] },
        { "output passes through", ["5", "sh", "-c", "echo out; echo err >&2"] },
        { "timeout", ["0.3", "sleep", "10"] },
        { "timeout, verbose", ["-v", "0.3", "sleep", "10"] },
        { "timeout, preserve status", ["--preserve-status", "0.3", "sleep", "10"] },
        { "timeout by KILL (the tool dies by KILL too)", ["--signal", "KILL", "0.3", "sleep", "10"] },
        { "timeout by KILL, foreground (exit 137)", ["--foreground", "-s", "KILL", "0.3", "sleep", "10"] },
        { "timeout by INT", ["--signal", "INT", "0.3", "sleep", "10"] },
        { "timeout by number", ["--signal", "9", "0.3", "sleep", "10"] },
        { "signal as a shell status (130 is INT)", ["-s", "130", "0.3", "sleep", "10"] },
        { "signal RTMIN+1, verbose", ["-v", "-s", "RTMIN+1", "0.3", "sleep", "10"] },
        { "bundled short options", ["-vsINT", "0.3", "sleep", "10"] },
        { "attached short values", ["-k0.3", "-sTERM", "1", "perl", "-e", IgnoreTermThenSleep] },
        { "--opt=value and abbreviations", ["--sig=INT", "--kill=5", "--pres", "0.3", "sleep", "10"] },
        { "a stopped program still times out", ["0.5", "sh", "-c", "kill -STOP $$"] },
        { "a stopped program, foreground", ["--foreground", "-k", "0.5", "0.5", "sh", "-c", "kill -STOP $$"] },
        { "the deadline reaches the program's children", ["0.5", "sh", "-c", "sleep 30 & wait"] },
        // perl ignores TERM within milliseconds of starting (a .NET child can take longer than the
        // deadline on a loaded machine, and then the two tools see different races).
        { "ignores TERM, kill after", ["--kill-after", "0.3", "1", "perl", "-e", IgnoreTermThenSleep] },
        { "ignores TERM, kill after, verbose", ["-v", "-k", "0.3", "1", "perl", "-e", IgnoreTermThenSleep] },
        { "dies by its own signal", ["5", "sh", "-c", "kill -TERM $$"] },
        { "zero disables the timeout", ["0", "sleep", "0.1"] },
        { "duration suffixes and fractions", ["0.005m", "sleep", "10"] },
        { "duration in hex and exponent", ["0x1p-2", "sleep", "10"] },
        { "days", ["1d", "true"] },
        { "infinite duration", ["inf", "true"] },
        { "not found", ["5", "no-such-program-anywhere"] },
        { "an empty program name is not found", ["5", ""] },
        { "a directory found in PATH cannot be run (126)", ["5", "."] },
        { "not runnable (no execute permission)", ["5", Files.NotExecutable] },
        { "script without #! runs under /bin/sh", ["5", Files.ScriptWithoutShebang] },
        { "bad duration", ["soon", "true"] },
        { "bad duration suffix", ["1ss", "true"] },
        { "negative duration", ["--", "-1", "true"] },
        { "bad signal", ["--signal", "NOPE", "1", "true"] },
        { "signal number out of range", ["-s", "65", "1", "true"] },
        { "unknown short option", ["-x", "1", "true"] },
        { "unknown long option", ["--frobnicate", "1", "true"] },
        { "ambiguous long option", ["--ver", "1", "true"] },
        { "missing option value", ["-k"] },
        { "flag given a value", ["--preserve-status=1", "1", "true"] },
        { "missing operand", ["1"] },
        { "no operands", [] },
        { "options end at the program", ["1", "sh", "-c", "echo $1", "sh", "-v"] },
    };

    /// <summary>Perl's script for the cases that ignore SIGTERM: says "ready" once it does.</summary>
    private const string IgnoreTermThenSleep = "$| = 1; $SIG{TERM} = 'IGNORE'; print qq(ready\\n); sleep 30";

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Same_status_and_output_as_GNU_timeout(string name, string[] timeoutArgs)
    {
        // Where the program must ignore SIGTERM before the deadline, a run in which either tool's
        // program had not yet (no "ready": a start slowed by the machine's load) compares two
        // different races, not the tools: both run again, up to three times.
        bool mustBeReady = timeoutArgs.Contains(IgnoreTermThenSleep);
        Tool.Outcome gnu, ours;
        for (int attempt = 1; ; attempt++)
        {
            gnu = await Tool.RunProgramAsync("/usr/bin/timeout", ["timeout", .. timeoutArgs]);
            ours = await Tool.RunAsync(["run", .. timeoutArgs]);
            if (!mustBeReady || attempt == 3 || (gnu.Stdout == "ready\n" && ours.Stdout == "ready\n")) break;
        }
        string context = $"{name}: GNU timeout {gnu.State} stderr [{gnu.Stderr}], spawn run {ours.State} stderr [{ours.Stderr}]";
        Assert.True(gnu.ShellStatus == ours.ShellStatus, context);
        Assert.True(gnu.State.Signal == ours.State.Signal, context); // died by a signal, or exited, alike
        Assert.Equal(gnu.Stdout, ours.Stdout);
        Assert.True(AsSpawn(gnu.Stderr) == ours.Stderr, context);
    }

    /// <summary>
    /// Quotes in messages follow the locale as GNU's do: ‘curly’ where setlocale would pick a UTF-8
    /// character set, 'straight' in C, POSIX, or a locale that is not installed.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("C")]
    [InlineData("POSIX")]
    [InlineData("C.UTF-8")]
    [InlineData("C.utf8")]
    [InlineData("C.UTF8")]
    [InlineData("c.utf-8")]
    [InlineData("xx_YY.UTF-8")]
    public async Task Messages_quote_as_GNU_timeout_does_in_the_locale(string? lang)
    {
        Command Under(Command command) => command.WithoutEnvironment("LC_ALL").WithoutEnvironment("LC_CTYPE").WithEnvironment("LANG", lang)
            .WithExitCodeValidation(false);
        var gnu = await Under(new Command("/usr/bin/timeout", "1", "/nonexistent/program")).OutputAsync();
        var ours = await Under(new Command(Tool.Path, "run", "1", "/nonexistent/program")).OutputAsync();
        Assert.Equal(127, gnu.ExitCode);
        Assert.Equal(AsSpawn(gnu.StandardError.Replace("/usr/bin/timeout: ", "timeout: ", StringComparison.Ordinal)), ours.StandardError); // GNU names itself by argv[0]
    }

    /// <summary>Spawn's form: --timeout as an option, the program after "--".</summary>
    [Theory]
    [InlineData("0.3", "124")]
    [InlineData("0", "0")]
    public async Task The_timeout_option_form_behaves_as_the_positional_form(string duration, string expected)
    {
        var ours = await Tool.RunAsync("run", "--timeout", duration, "--", "sleep", "1");
        Assert.Equal(expected, ours.ShellStatus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var noDeadline = await Tool.RunAsync("run", "--", "sh", "-c", "exit 7");
        Assert.Equal(7, noDeadline.ShellStatus);
    }

    /// <summary>GNU's messages with the tool's name in place of timeout's.</summary>
    private static string AsSpawn(string gnuStderr) => gnuStderr
        .Replace("timeout: ", "spawn: ", StringComparison.Ordinal)
        .Replace("Try 'timeout --help'", "Try 'spawn run --help'", StringComparison.Ordinal);

    /// <summary>Files for the cases above, made once for the run.</summary>
    private static class Files
    {
        private static readonly string s_dir = Directory.CreateTempSubdirectory("spawn-parity-").FullName;

        internal static readonly string NotExecutable = Make("data.txt", "just text\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        internal static readonly string ScriptWithoutShebang = Make("script", "exit 5\n", UnixFileMode.UserRead | UnixFileMode.UserExecute);

        private static string Make(string name, string content, UnixFileMode mode)
        {
            string path = Path.Combine(s_dir, name);
            File.WriteAllText(path, content);
            File.SetUnixFileMode(path, mode);
            return path;
        }
    }
}
