namespace Spawn.Tests.Cli;

/// <summary>
/// Ctrl+C at a real terminal (a pseudo-terminal driven by python's pty module): the terminal
/// signals its whole foreground group, and the program must see the SIGINT once, not once from the
/// terminal and again from spawn.
/// </summary>
public sealed class TerminalSignalTests
{
    /// <summary>Starts argv as the session leader of a new pty, waits for "ready", types Ctrl+C, and prints what came out.</summary>
    private const string PtyDriver = """
        import os, pty, sys, time, select
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[1], sys.argv[1:])
        out = b''
        def read(seconds, until=None):
            global out
            end = time.time() + seconds
            while time.time() < end and not (until and until in out):
                r, _, _ = select.select([fd], [], [], 0.05)
                if r:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        return
                    if not data:
                        return
                    out += data
        read(60, b'ready')
        time.sleep(0.3)
        os.write(fd, b'\x03')
        read(60, b'count')
        read(1)
        os.waitpid(pid, 0)
        sys.stdout.write(out.decode(errors='replace').replace('\r', ''))
        """;

    /// <summary>Counts SIGINTs for 2 s after saying "ready" (perl's handlers count every delivery).</summary>
    private static readonly string[] s_counter =
        ["/usr/bin/perl", "-e", "$n = 0; $SIG{INT} = sub { $n++ }; $| = 1; print \"ready\\n\"; select(undef, undef, undef, 0.05) for 1 .. 40; print \"count $n\\n\""];

    [Theory]
    [InlineData("default")]
    [InlineData("--foreground")]
    [InlineData("--group")]
    public async Task Ctrl_C_reaches_the_program_once(string mode)
    {
        string[] spawnArgs = mode == "default" ? ["run", "30"] : ["run", mode, "30"];
        var outcome = await Tool.RunProgramAsync("/usr/bin/python3", ["python3", "-c", PtyDriver, Tool.Path, .. spawnArgs, .. s_counter]);
        Assert.True(outcome.State.ExitCode == 0, outcome.Stderr);
        Assert.Contains("count 1\n", outcome.Stdout);
    }
}
