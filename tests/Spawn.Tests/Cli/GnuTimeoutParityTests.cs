using Spawn.Tests.Support;

namespace Spawn.Tests.Cli;

/// <summary>The same cases through GNU timeout and through `spawn run --timeout`: equal statuses, as a script sees them.</summary>
public sealed class GnuTimeoutParityTests
{
    public static TheoryData<string, string[], string[]> Cases => new()
    {
        { "success", ["5"], ["true"] },
        { "exit code", ["5"], ["sh", "-c", "exit 3"] },
        { "timeout", ["0.3"], ["sleep", "10"] },
        { "timeout, preserve status", ["--preserve-status", "0.3"], ["sleep", "10"] },
        { "timeout by KILL", ["--signal", "KILL", "0.3"], ["sleep", "10"] },
        { "timeout by INT", ["--signal", "INT", "0.3"], ["sleep", "10"] },
        { "timeout by number", ["--signal", "9", "0.3"], ["sleep", "10"] },
        // perl ignores TERM within milliseconds of starting (a .NET child can take longer than the
        // deadline on a loaded machine, and then the two tools see different races).
        { "ignores TERM, kill after", ["--kill-after", "0.3", "1"], ["perl", "-e", "$SIG{TERM} = 'IGNORE'; sleep 30"] },
        { "dies by its own signal", ["5"], ["sh", "-c", "kill -TERM $$"] },
        { "zero disables the timeout", ["0"], ["sleep", "0.1"] },
        { "not found", ["5"], ["no-such-program-anywhere"] },
        { "not runnable (no execute permission)", ["5"], [Files.NotExecutable] },
        { "script without #! runs under /bin/sh", ["5"], [Files.ScriptWithoutShebang] },
        { "bad duration", ["soon"], ["true"] },
        { "bad signal", ["--signal", "NOPE", "1"], ["true"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Same_exit_status_as_GNU_timeout(string name, string[] timeoutArgs, string[] command)
    {
        // GNU: timeout [options] DURATION COMMAND...; spawn: spawn run [options] --timeout DURATION -- COMMAND...
        var gnu = await Tool.RunProgramAsync("/usr/bin/timeout", ["timeout", .. timeoutArgs, .. command]);
        var ours = await Tool.RunAsync(["run", .. SpawnArgs(timeoutArgs), "--", .. command]);
        Assert.True(gnu.ShellStatus == ours.ShellStatus, $"{name}: GNU timeout {gnu.ShellStatus} ({gnu.State}), spawn run {ours.ShellStatus} ({ours.State}); stderr: {ours.Stderr}");
    }

    /// <summary>GNU's positional DURATION becomes --timeout; the options are spelled the same.</summary>
    private static string[] SpawnArgs(string[] timeoutArgs)
    {
        var args = new List<string>();
        for (int i = 0; i < timeoutArgs.Length; i++)
        {
            if (timeoutArgs[i].StartsWith("--", StringComparison.Ordinal))
            {
                args.Add(timeoutArgs[i]);
                if (timeoutArgs[i] != "--preserve-status") args.Add(timeoutArgs[++i]);
            }
            else
            {
                args.AddRange(["--timeout", timeoutArgs[i]]);
            }
        }
        return [.. args];
    }

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
