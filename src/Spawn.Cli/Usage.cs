namespace Spawn.Cli;

/// <summary>The help texts.</summary>
internal static class Usage
{
    internal const string Main = """
        spawn: run processes through stable process handles (Linux pidfd).

        Usage:
          spawn run [options] -- PROGRAM [ARGS...]   run with a deadline and a resource report
          spawn wait [options] PID...                wait for any processes to exit, without polling
          spawn --help | spawn run --help | spawn wait --help

        """;

    internal const string Run = """
        Usage: spawn run [options] [--] PROGRAM [ARGS...]

        Runs PROGRAM with this terminal's stdin, stdout and stderr. SIGINT, SIGTERM, SIGHUP,
        SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH sent to spawn are passed on to the program.
        Exit statuses are those of GNU timeout: the program's own status; 128+N if signal N
        ended it (spawn then ends by the same signal); 124 if it timed out; 125 if spawn itself
        failed; 126 if the program was found but could not be run; 127 if it was not found.

        Options:
          -t, --timeout DURATION    end the program after DURATION (10, 1.5s, 2m, 1h, 1d; 0 = none)
          -s, --signal SIG          the signal sent on timeout (name or number; default TERM)
          -k, --kill-after DURATION also send KILL if it still runs DURATION after that signal
              --preserve-status     exit with the program's status even when it timed out
              --group               start it in its own process group; signals reach the group
              --tree                contain it in a cgroup: signals and the deadline reach every
                                    descendant (daemons too), what it leaves running is killed
                                    when it exits, and --stats reports the whole tree (needs root
                                    or a delegated cgroup v2 subtree)
              --stats               print one line to stderr after exit: status, wall time,
                                    user and system CPU, peak memory
              --json FILE|-         write the same as a JSON object to FILE (or stdout)
          -h, --help                this text

        Examples:
          spawn run --stats -- sleep 1
          spawn run --timeout 30s --kill-after 5s -- ./integration-tests
          spawn run --timeout 2m --signal INT --group -- make -j8
          spawn run --tree --stats -- ./build-everything.sh
          spawn run --json stats.json -- tar czf backup.tgz /srv/data

        """;

    internal const string Wait = """
        Usage: spawn wait [options] PID...

        Waits until the given processes have exited; they need not be our children. Prints
        "PID: exit status N" or "PID: signal: NAME" for each as it exits (the kernel keeps the
        status for any process on Linux 6.15+; "PID: unknown" where it does not). Exit status 0
        when all were waited for, 124 on timeout, 1 if a PID names no process.

        Options:
          -t, --timeout DURATION    give up after DURATION (exit 124)
          -c, --count N             return once N of them have exited
          -e, --exited              accept PIDs that have already exited (no error)
          -h, --help                this text

        Examples:
          spawn wait 4242
          spawn wait --timeout 1m --count 1 $(pgrep -d' ' worker)

        """;
}
