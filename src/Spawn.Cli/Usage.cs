namespace Spawn.Cli;

/// <summary>The help texts. The man page (spawn --man, doc/spawn.1) is made from them.</summary>
internal static class Usage
{
    internal const string Version = "spawn 0.1.0\n";

    internal const string Main = """
        Usage: spawn run [OPTION]... DURATION PROGRAM [ARG]...
          or:  spawn run [OPTION]... [--timeout DURATION] -- PROGRAM [ARG]...
          or:  spawn wait [OPTION]... PID[:INODE]...
          or:  spawn completion bash|zsh|fish
          or:  spawn --man | --help | --version
        Run processes through stable process handles (Linux pidfd).

        Commands:
          run          a drop-in for GNU coreutils timeout, with a resource report
          wait         a drop-in for util-linux waitpid
          completion   print a shell completion script

        Exit status: spawn run as GNU timeout (125 for a usage error); spawn wait as
        waitpid (1 for a usage error); spawn itself 125 for a usage error.

        """;

    internal const string Run = """
        Usage: spawn run [OPTION]... DURATION PROGRAM [ARG]...
          or:  spawn run [OPTION]... [--timeout DURATION] -- PROGRAM [ARG]...
        Start PROGRAM, and end it if still running after DURATION; GNU timeout's
        options, messages and exit statuses, through a process handle.

        Options (mandatory arguments to long options are mandatory for short ones too):
              --preserve-status     exit with the same status as PROGRAM, even when it
                                    times out
              --foreground          when not running directly from a shell prompt, allow
                                    PROGRAM to read from the TTY and get TTY signals; in
                                    this mode, children of PROGRAM are not timed out
          -k, --kill-after=DURATION also send a KILL signal if PROGRAM is still running
                                    this long after the initial signal was sent
          -s, --signal=SIGNAL       the signal sent on timeout; a name like 'HUP' or a
                                    number; see 'kill -l' for a list of signals
          -v, --verbose             diagnose to stderr any signal sent
          -t, --timeout=DURATION    the deadline as an option; the operands are then
                                    the program (without DURATION or -t: no deadline
                                    after "--")
              --group               start PROGRAM in a process group of its own;
                                    signals reach that group
              --tree                contain PROGRAM in a cgroup: signals and the
                                    deadline reach every descendant (daemons too), what
                                    it leaves running is killed when it exits (needs
                                    root or a delegated cgroup v2 subtree)
              --pty                 run PROGRAM on a pseudo-terminal of its own (as
                                    script -qec or unbuffer do): it sees a terminal,
                                    our stdin is typed into it, its output (stderr's
                                    too) comes to our stdout; a terminal on our stdin is
                                    put in raw mode and restored, and its size follows
              --memory=SIZE         limit the tree's memory (cgroup memory.max); past
                                    it the kernel's OOM killer ends a process of it
              --memory-high=SIZE    slow the tree down past SIZE (memory.high)
              --swap=SIZE           limit the tree's swap (memory.swap.max)
              --cpus=N              limit the tree to N CPUs' worth of time (cpu.max;
                                    1.5 is one and a half CPUs)
              --cpu-weight=N        the tree's share of contended CPUs, 1 to 10000
                                    (cpu.weight; 100 by default)
              --pids=N              limit the tree to N processes (pids.max)
              --nofile=N            each process's open-file limit (RLIMIT_NOFILE)
              --cpu-seconds=N       each process's CPU time limit (RLIMIT_CPU): SIGXCPU
              --address-space=SIZE  each process's address space (RLIMIT_AS)
              --core=SIZE           each process's largest core dump (RLIMIT_CORE)
              --nice=N              the program's nice value, -20 to 19
              --cpu-affinity=LIST   the CPUs the program may run on, as taskset -c: 0-3,6
                                    (--memory, --memory-high, --swap, --cpus, --cpu-weight
                                    and --pids limit the whole tree and imply --tree;
                                    SIZE is bytes or a number with K, M, G or T)
              --stats               print one line to stderr after the exit: status,
                                    wall time, user and system CPU, peak memory (the
                                    program's own, or "unknown" with an upper bound);
                                    with --tree the tree's figures follow; then the
                                    program's id (PID:INODE) and any limit reached
              --json=FILE           write the same as a JSON object to FILE (never to
                                    stdout, which is the program's)
          -h, --help                display this help and exit
              --version             output version information and exit

        DURATION is a floating point number with an optional suffix: 's' for seconds
        (the default), 'm' for minutes, 'h' for hours or 'd' for days. A duration of 0
        disables the associated timeout.

        Upon timeout, send the TERM signal to PROGRAM, if no other SIGNAL specified,
        then CONT, so that a stopped program gets it (not with --foreground). Unless --foreground or --group,
        spawn runs in a process group of its own and signals it, as GNU timeout does.
        INT, QUIT, HUP and TERM sent to spawn are passed on (USR1, USR2 and WINCH too),
        even when spawn started with them ignored; ALRM sent to spawn times it out now;
        a Ctrl+C, Ctrl+\ or resize that the terminal already sent to the program's
        process group is not sent again.

        Exit status:
          124  if PROGRAM times out, and --preserve-status is not specified
          125  if spawn itself fails
          126  if PROGRAM is found but cannot be invoked
          127  if PROGRAM cannot be found
          137  if PROGRAM (or spawn itself) is sent the KILL (9) signal (128+9)
          -    the exit status of PROGRAM otherwise (death by signal N: spawn ends by N)

        Examples:
          spawn run --stats -- sleep 1
          spawn run -k 5s 30s ./integration-tests
          spawn run --timeout 2m --signal INT --group -- make -j8
          spawn run --tree --stats -- ./build-everything.sh
          spawn run --json stats.json -- tar czf backup.tgz /srv/data
          spawn run --pty -- ls --color=auto > listing-with-colours.txt
          spawn run --memory 512M --cpus 1.5 --pids 100 --stats 5m convert a.pdf a.png
          spawn run --nofile 1024 --nice 10 -- ./batch-job

        """;

    internal const string Wait = """
        Usage: spawn wait [options] PID[:INODE]...
        Wait for the given processes to exit, as util-linux waitpid does; they need not
        be our children. PID:INODE (util-linux's form, as spawn run --stats prints it)
        names exactly one process: if the PID now names another, the one meant has
        exited (Linux 6.9+).

        Options:
          -v, --verbose           be more verbose
          -t, --timeout=<timeout> wait at most timeout seconds
          -e, --exited            allow exited PIDs
          -c, --count=<count>     number of process exits to wait for
              --status            print "PID: exit status N" (or "PID: signal: NAME")
                                  as each exits; "PID: unknown" where the kernel keeps
                                  no status (it does for any process on Linux 6.15+)
          -h, --help              display this help
          -V, --version           display version

        Exit status:
          0    success
          1    failure (a usage error, or a PID that names no process without -e)
          2    the system lacks what is needed
          3    the timeout expired

        Examples:
          spawn wait 4242
          spawn wait -v --timeout 60 --count 1 $(pgrep -d' ' worker)
          spawn wait 4242:1183940

        """;
}
