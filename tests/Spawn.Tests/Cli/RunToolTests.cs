using System.Text.Json;
using Spawn.Tests.Support;

namespace Spawn.Tests.Cli;

public sealed class RunToolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public async Task The_childs_exit_status_is_ours(int code)
    {
        var outcome = await Tool.RunAsync("run", "--", "sh", "-c", $"exit {code}");
        Assert.Equal(code, outcome.State.ExitCode);
    }

    [Fact]
    public async Task Timeout_is_124()
    {
        var outcome = await Tool.RunAsync("run", "--timeout", "0.3", "--", "sleep", "30");
        Assert.Equal(124, outcome.State.ExitCode);
    }

    /// <summary>
    /// A duration too small for a double is not 0 (which would mean no deadline): it has passed
    /// already, as in GNU timeout since 9.2 (Debian 12's 9.1 still reads it as 0). A negative one
    /// is -0, and so 0.
    /// </summary>
    [Theory]
    [InlineData("1e-5000", 124)]
    [InlineData("1e-5000d", 124)]
    [InlineData("0x1p-99999", 124)]
    [InlineData("0e-5000", 0)]
    public async Task A_duration_that_underflows_has_passed_already(string duration, int expected)
    {
        var outcome = await Tool.RunAsync("run", duration, "sleep", "0.5");
        Assert.Equal(expected, outcome.State.ExitCode);
        var negative = await Tool.RunAsync("run", "--", "-" + duration, "true");
        Assert.Equal(0, negative.State.ExitCode);
    }

    /// <summary>
    /// Started with stdin and stderr closed, the tool's first descriptors (the runtime's, Spawn's)
    /// take those numbers. The program it runs must not get them as its stdin and stderr: it gets
    /// /dev/null (stdout, still open, is shared as usual).
    /// </summary>
    [Fact]
    public async Task A_standard_stream_closed_at_start_reaches_the_program_as_dev_null_never_as_one_of_ours()
    {
        string program = "for fd in 0 1 2; do readlink /proc/self/fd/$fd || echo closed; done";
        var outcome = await Tool.RunProgramAsync("/bin/sh", ["sh", "-c", $"exec '{Tool.Path}' run 5 sh -c '{program}' <&- 2>&-"]);
        string[] targets = outcome.Stdout.TrimEnd('\n').Split('\n');
        Assert.True(targets.Length == 3, outcome.Stdout);
        Assert.Equal("/dev/null", targets[0]);
        Assert.StartsWith("pipe:", targets[1], StringComparison.Ordinal); // the test's own capture pipe
        Assert.Equal("/dev/null", targets[2]);
        Assert.Equal(0, outcome.State.ExitCode);
    }

    [Fact]
    public async Task Tool_failure_is_125_with_a_one_line_error_and_no_stack_trace()
    {
        var outcome = await Tool.RunAsync("run", "--timeout", "soon", "--", "true");
        Assert.Equal(125, outcome.State.ExitCode);
        Assert.Equal(2, outcome.Stderr.TrimEnd('\n').Split('\n').Length);
        Assert.Contains("invalid time interval", outcome.Stderr);
        Assert.EndsWith("Try 'spawn run --help' for more information.\n", outcome.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }

    [Fact]
    public async Task Found_but_not_runnable_is_126()
    {
        string file = Path.Combine(_dir, "data.txt");
        File.WriteAllText(file, "text");
        var outcome = await Tool.RunAsync("run", "--", file);
        Assert.Equal(126, outcome.State.ExitCode);
        Assert.Contains(file, outcome.Stderr);
    }

    [Fact]
    public async Task Not_found_is_127()
    {
        var outcome = await Tool.RunAsync("run", "--", "no-such-program-anywhere");
        Assert.Equal(127, outcome.State.ExitCode);
        Assert.Contains("no-such-program-anywhere", outcome.Stderr);
    }

    [Fact]
    public async Task Death_by_signal_N_ends_the_tool_by_the_same_signal()
    {
        var outcome = await Tool.RunAsync("run", "--", "sh", "-c", "kill -TERM $$");
        Assert.Equal(Signals.SIGTERM, outcome.State.Signal);
        Assert.Equal(143, outcome.ShellStatus);
    }

    private sealed record IgnoringTermRun(Tool.Outcome Outcome, TimeSpan Took, int Sleep);

    /// <summary>
    /// `spawn run --timeout T [--kill-after 0.3]` of a child that ignores SIGTERM, then says "ready"
    /// and sleeps (exec: one process, which a kill ends along with what holds our pipes). The child
    /// must have ignored SIGTERM before the timeout sends it, and nothing can make a start take a
    /// bounded time on a loaded machine (a .NET child took longer than 0.3 s; even a shell once
    /// took longer than 2 s): a run whose child never said "ready" tells nothing about the tool,
    /// so it is tried again with the timeout doubled, up to 16 s. The child sleeps past the timeout.
    /// </summary>
    private static async Task<IgnoringTermRun> RunIgnoringTermAsync(bool killAfter)
    {
        for (int timeout = 2; ; timeout *= 2)
        {
            int sleep = killAfter ? 60 : timeout + 2;
            string[] killOption = killAfter ? ["--kill-after", "0.3"] : [];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var outcome = await Tool.RunAsync(["run", "--timeout", timeout.ToString(System.Globalization.CultureInfo.InvariantCulture), .. killOption, "--",
                "sh", "-c", $"trap '' TERM; echo ready; exec sleep {sleep}"]);
            if (outcome.Stdout == "ready\n" || timeout >= 16) return new IgnoringTermRun(outcome, clock.Elapsed, sleep);
        }
    }

    [Fact]
    public async Task A_timeout_against_a_child_that_ignores_SIGTERM_waits_for_it_without_kill_after()
    {
        var run = await RunIgnoringTermAsync(killAfter: false);
        Assert.Equal("ready\n", run.Outcome.Stdout); // it ignored SIGTERM before the timeout came
        Assert.Equal(124, run.Outcome.State.ExitCode);
        Assert.True(run.Took >= TimeSpan.FromSeconds(run.Sleep - 0.5), $"the child ignoring SIGTERM should have run its {run.Sleep} s; the tool ended after {run.Took}");
    }

    [Fact]
    public async Task A_timeout_against_a_child_that_ignores_SIGTERM_kills_it_with_kill_after()
    {
        var run = await RunIgnoringTermAsync(killAfter: true);
        Assert.Equal("ready\n", run.Outcome.Stdout); // it ignored SIGTERM before the timeout came
        Assert.Equal(137, run.Outcome.ShellStatus); // as GNU timeout: killed by KILL after a timeout
        Assert.True(run.Took < TimeSpan.FromSeconds(run.Sleep - 10), $"killed by KILL, not at the end of its {run.Sleep} s: the tool ended after {run.Took}");
    }

    [Fact]
    public async Task SIGTERM_sent_to_the_tool_reaches_the_child()
    {
        using var stdout = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        ProcessHandle tool;
        using (stdout.ClientSafePipeHandle)
        {
            tool = ProcessHandle.Start(Tool.Path, ["spawn", "run", "--", ChildProgram.Path, "trap", "TERM", "0"],
                new StartOptions { Stdout = stdout.ClientSafePipeHandle });
        }
        stdout.DisposeLocalCopyOfClientHandle();
        using (tool)
        {
            var reader = new StreamReader(stdout);
            Assert.Equal("ready", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            // The tool has registered its forwarding before it started the child, so "ready" means both are set.
            Assert.True(tool.Signal(Signals.SIGTERM));
            Assert.Equal("got TERM", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(0, (await tool.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        }
    }

    [Fact]
    public async Task Stats_and_json_report_plausible_cpu_time()
    {
        string json = Path.Combine(_dir, "stats.json");
        var outcome = await Tool.RunAsync("run", "--stats", "--json", json, "--", ChildProgram.Path, "burn", "0.5");
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Matches(@"^spawn: exit status 0, wall \d+\.\d{3} s, user \d+\.\d{3} s, sys \d+\.\d{3} s, max rss \d+\.\d MiB(; id \d+(:\d+)?)$", outcome.Stderr.Trim());

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        double cpu = root.GetProperty("user_seconds").GetDouble() + root.GetProperty("system_seconds").GetDouble();
        // The helper burns 0.5 s of CPU time in its loop, plus its own start-up (~0.05-0.1 s).
        Assert.InRange(cpu, 0.5 * 0.7, 0.5 * 1.3 + 0.1);
        Assert.Equal(0, root.GetProperty("exit_code").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("signal").ValueKind);
        Assert.False(root.GetProperty("timed_out").GetBoolean());
        Assert.True(root.GetProperty("wall_seconds").GetDouble() >= cpu * 0.5);
        Assert.True(root.GetProperty("max_rss_bytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Help_has_examples()
    {
        var outcome = await Tool.RunAsync("run", "--help");
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Contains("Examples:", outcome.Stdout);
        Assert.Contains("--kill-after", outcome.Stdout);
        var wait = await Tool.RunAsync("wait", "--help");
        Assert.Contains("Examples:", wait.Stdout);
    }

    [Fact]
    public async Task With_tree_the_deadline_ends_every_descendant_daemons_included()
    {
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone || !Native.IsRoot)
        {
            var refused = await Tool.RunAsync("run", "--tree", "--", "true");
            Assert.Equal(125, refused.State.ExitCode);
            Assert.Contains("--tree", refused.Stderr);
            return;
        }
        // 2 s: the shell must have started its daemon and printed its PID before the timeout, which
        // takes milliseconds alone and may take much longer on a loaded machine.
        var outcome = await Tool.RunAsync("run", "--tree", "--timeout", "2", "--stats", "--", "sh", "-c", "setsid sleep 30 & echo $!; sleep 30");
        Assert.Equal(124, outcome.State.ExitCode);
        Assert.Contains("; tree: user ", outcome.Stderr);
        int daemon = int.Parse(outcome.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        // The tool returns once the tree is empty, so the daemon is gone (its PID may name a newer process).
        string? cmdline = null;
        try
        {
            cmdline = File.ReadAllText($"/proc/{daemon}/cmdline");
        }
        catch (IOException)
        {
        }
        Assert.NotEqual("sleep\030\0", cmdline);
    }

    [Fact]
    public async Task Spawn_run_keeps_its_few_descriptors_low_so_its_fd_table_never_grows()
    {
        // Growing the fd table of a threaded process waits for an RCU grace period (milliseconds):
        // a tool that holds one child has no reason to, so its pidfd is not moved to 1024.
        var outcome = await Tool.RunAsync("run", "--", "sh", "-c", "ls /proc/$PPID/fd");
        Assert.Equal(0, outcome.State.ExitCode);
        int[] fds = [.. outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(f => int.Parse(f, System.Globalization.CultureInfo.InvariantCulture))];
        Assert.NotEmpty(fds);
        Assert.All(fds, fd => Assert.True(fd < 64, $"spawn holds fd {fd}: {string.Join(' ', fds)}"));
    }

    [Fact]
    public async Task With_tree_the_json_keeps_the_programs_peak_and_the_trees_peak_apart()
    {
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone || !Native.IsRoot) Assert.Skip("--tree needs root and the Linux fast path");
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "spawn-exec"))) Assert.Skip("spawn-exec was not built here (no static C library?)");
        string json = Path.Combine(_dir, "tree.json");
        // The program (sh) stays small; the tree holds a 64 MiB process it does not wait for, and
        // ends once that process says it holds the memory (the tree then kills it).
        string ready = Path.Combine(_dir, "ready");
        string perl = $"$x = 'a' x (64 * 1024 * 1024); open(my $f, '>', '{ready}'); close $f; sleep 60";
        var outcome = await Tool.RunAsync("run", "--tree", "--json", json, "--", "sh", "-c", "perl -e \"$0\" & while [ ! -e '" + ready + "' ]; do sleep 0.05; done", perl);
        Assert.Equal(0, outcome.State.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        Assert.True(root.GetProperty("tree").GetBoolean());
        // The program's own peak stays small although its tree held 64 MiB: the two never mix. (The
        // tree's figure itself is best effort where memory is accounted in a cgroup v1 hierarchy.)
        long program = root.GetProperty("max_rss_bytes").GetInt64();
        Assert.InRange(program, 1, 16 * 1024 * 1024);
        Assert.True(root.TryGetProperty("tree_peak_memory_bytes", out JsonElement tree), "no tree_peak_memory_bytes field");
        Assert.True(tree.ValueKind is JsonValueKind.Number or JsonValueKind.Null, $"tree_peak_memory_bytes is {tree.ValueKind}");
    }
}
