namespace Spawn.Tests.Cli;

/// <summary>
/// Shell scripts that use `timeout`, run once with GNU timeout and once with `spawn run` in its
/// place (first on PATH under the same name): what the script prints must be the same but for the
/// tool's name. These are the situations a script puts the tool in that a direct run cannot: a
/// background job (started with SIGINT ignored), a signal from outside, timeouts inside timeouts,
/// stderr redirected to a file that the shell and the program write to as well.
/// </summary>
public sealed class GnuTimeoutScriptParityTests
{
    /// <summary>Waits (bounded) for the program to have written its ready file, so a signal finds its trap set.</summary>
    private const string AwaitReady = """n=0; while [ ! -e "$ready" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done""";

    /// <summary>A program that says "interrupted" on SIGINT and exits 7; it writes the ready file once its trap is set, then sleeps up to 30 s.</summary>
    private const string Interruptible = """sh -c 'trap "echo interrupted; exit 7" INT; : > "$1"; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' sh "$ready" """;

    public static TheoryData<string, string> Scripts => new()
    {
        {
            // An outer timeout that times out by SIGALRM makes the inner one time out (SIGALRM is
            // timeout's own timer signal), which then sends its own signal to the program.
            "an outer timeout's SIGALRM times out the inner one",
            $"""timeout -s ALRM 30 timeout -s INT 25 {Interruptible} & pid=$!; {AwaitReady}; kill -ALRM $pid; wait $pid; echo "status $?" """
        },
        {
            // A background job starts with SIGINT ignored; timeout catches it all the same and passes it on.
            "SIGINT to a timeout run in the background reaches the program",
            $"""timeout 25 {Interruptible} & pid=$!; {AwaitReady}; kill -INT $pid; wait $pid; echo "status $?" """
        },
        {
            "SIGINT ignored by the shell that runs timeout still reaches the program",
            $"""trap '' INT; timeout 25 {Interruptible} & pid=$!; {AwaitReady}; kill -INT $pid; wait $pid; echo "status $?" """
        },
        {
            // The tool's message lands where it was written: not overwritten by what the program and
            // the shell write to the same file after it.
            "a message to stderr redirected to a file keeps its place",
            """{ echo before >&2; timeout -v 0.3 sh -c 'trap "echo trapped >&2; exit 3" TERM; sleep 5 >/dev/null 2>&1 & wait'; echo "status $?" >&2; echo after >&2; } 2>"$log"; cat "$log" """
        },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task The_script_prints_the_same_with_GNU_timeout_and_spawn_run(string name, string script)
    {
        string dir = Directory.CreateTempSubdirectory("spawn-script-parity-").FullName;
        try
        {
            string ours = Path.Combine(dir, "bin");
            Directory.CreateDirectory(ours);
            string wrapper = Path.Combine(ours, "timeout");
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec '{Tool.Path}' run \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            // spawn runs once. GNU's run is the reference: where it differs, it is run again (up to
            // three times in all), because on a loaded machine GNU timeout and the shell have races
            // of their own (once in CI, GNU's program died of SIGINT without running its trap); a
            // spawn run must match what GNU timeout does in one of them.
            Tool.Outcome spawn = await RunScript(script, ours, Path.Combine(dir, "spawn"));
            Tool.Outcome gnu = await RunScript(script, "/usr/bin", Path.Combine(dir, "gnu-1"));
            for (int attempt = 2; attempt <= 3 && AsSpawn(gnu.Stdout) != spawn.Stdout; attempt++)
            {
                gnu = await RunScript(script, "/usr/bin", Path.Combine(dir, $"gnu-{attempt}"));
            }
            string context = $"{name}: GNU stdout [{gnu.Stdout}] stderr [{gnu.Stderr}], spawn stdout [{spawn.Stdout}] stderr [{spawn.Stderr}]";
            Assert.True(gnu.State.ExitCode == 0, context);
            Assert.True(spawn.State.ExitCode == 0, context);
            Assert.True(AsSpawn(gnu.Stdout) == spawn.Stdout, context);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="script"/> under /bin/sh with <paramref name="timeoutDirectory"/> first on PATH; $ready and $log are files of its own.</summary>
    private static Task<Tool.Outcome> RunScript(string script, string timeoutDirectory, string scratch)
    {
        Directory.CreateDirectory(scratch);
        string prelude = $"PATH='{timeoutDirectory}':$PATH; ready='{scratch}/ready'; log='{scratch}/log'; ";
        return Tool.RunProgramAsync("/bin/sh", ["sh", "-c", prelude + script]);
    }

    private static string AsSpawn(string gnuText) => gnuText.Replace("timeout: ", "spawn: ", StringComparison.Ordinal);
}
