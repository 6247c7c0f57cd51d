using System.Globalization;
using Spawn.Tests.Support;

namespace Spawn.Tests.Cli;

public sealed class WaitToolTests
{
    /// <summary>
    /// A process of ours (so someone else's for the tool) that exits with <paramref name="code"/>
    /// once the test writes to its gate, so it cannot exit before the tool has found it.
    /// </summary>
    private sealed class GatedProcess : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("spawn-wait-").FullName;

        internal GatedProcess(int code)
        {
            Gate = Path.Combine(_dir, "gate");
            string ready = Path.Combine(_dir, "ready");
            Handle = ProcessHandle.Start("/bin/sh", ["sh", "-c", $"mkfifo \"$0\"; touch \"$1\"; read x < \"$0\"; exit {code}", Gate, ready]);
            Assert.True(Fds.Eventually(() => File.Exists(ready)), "the gated process never got ready");
        }

        internal ProcessHandle Handle { get; }

        internal string Gate { get; }

        internal string Pid => Handle.Pid.ToString(CultureInfo.InvariantCulture);

        internal void Open() => File.WriteAllText(Gate, "go\n");

        public void Dispose()
        {
            Handle.Kill();
            Handle.Wait();
            Handle.Dispose();
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>
    /// Waits until the tool has found <paramref name="targets"/>: in handle mode it then holds a pidfd
    /// for each (its fdinfo names the PID). PID mode keeps no descriptor to look at, so there the
    /// tool gets a generous moment instead, and the tests accept a target that was already gone.
    /// The moment is 5 s: the tool is a .NET program, whose start alone (`spawn wait --help`) took
    /// up to a second on the 2-core machine at a load of 30, against the 1.5 s this used to be.
    /// </summary>
    private static void WaitUntilToolHolds(int toolPid, params ProcessHandle[] targets)
    {
        if (!ProcessHandle.UsesPidfd)
        {
            Thread.Sleep(5000);
            return;
        }
        bool Holds(ProcessHandle target) => Directory.GetFiles($"/proc/{toolPid}/fdinfo")
            .Any(f => { try { return File.ReadAllText(f).Contains($"Pid:\t{target.Pid}\n", StringComparison.Ordinal); } catch (IOException) { return false; } });
        Assert.True(Fds.Eventually(() => targets.All(Holds), 30), "the tool never opened pidfds for its targets");
    }

    private static async Task<Tool.Outcome> RunToolWhile(Action<int> whileRunning, params string[] args)
    {
        Task<Tool.Outcome> outcome = Tool.RunAsync(args, out int toolPid);
        whileRunning(toolPid);
        return await outcome;
    }

    [Fact]
    public async Task Wait_is_silent_and_returns_0_when_the_process_exits()
    {
        using var other = new GatedProcess(4);
        string[] args = ProcessHandle.UsesPidfd ? ["wait", other.Pid] : ["wait", "--exited", other.Pid];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, other.Handle); other.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal(4, other.Handle.Wait().ExitCode);
        Assert.Equal("", outcome.Stdout);
        Assert.Equal("", outcome.Stderr);
    }

    [Fact]
    public async Task Verbose_says_which_pid_finished_on_stdout()
    {
        using var other = new GatedProcess(0);
        string[] args = ProcessHandle.UsesPidfd ? ["wait", "-v", other.Pid] : ["wait", "-ve", other.Pid];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, other.Handle); other.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal($"PID {other.Pid} finished\n", outcome.Stdout);
    }

    [Fact]
    public async Task Status_is_spawns_extra_the_exit_status_of_a_non_child()
    {
        using var other = new GatedProcess(4);
        string[] args = ProcessHandle.UsesPidfd ? ["wait", "--status", other.Pid] : ["wait", "--status", "--exited", other.Pid];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, other.Handle); other.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        // The kernel keeps the status for any process (6.15+); this machine has it. The tool
        // inherits SPAWN_PIDFD=0 in the PID-mode run, and without a pidfd the status is unknown.
        Assert.Equal(ProcessHandle.UsesPidfd ? $"{other.Pid}: exit status 4\n" : $"{other.Pid}: unknown\n", outcome.Stdout);
    }

    [Fact]
    public async Task Timeout_is_3_and_verbose_says_so()
    {
        using var other = new GatedProcess(0);
        var quiet = await Tool.RunAsync("wait", "--timeout", "0.3", other.Pid);
        Assert.Equal(3, quiet.State.ExitCode);
        Assert.Equal("", quiet.Stdout);
        var verbose = await Tool.RunAsync("wait", "-v", "-t0.3", other.Pid);
        Assert.Equal(3, verbose.State.ExitCode);
        Assert.Equal("Timeout expired\n", verbose.Stdout);
        Assert.False(other.Handle.HasExited);
    }

    [Fact]
    public async Task A_pid_that_names_no_process_is_1_unless_exited_is_given()
    {
        var missing = await Tool.RunAsync("wait", "2147483647");
        Assert.Equal(1, missing.State.ExitCode);
        Assert.Equal("spawn: could not open PID 2147483647: No such process\n", missing.Stderr);
        var accepted = await Tool.RunAsync("wait", "--exited", "2147483647");
        Assert.Equal(0, accepted.State.ExitCode);
        Assert.Equal("", accepted.Stdout + accepted.Stderr);
        var verbose = await Tool.RunAsync("wait", "-e", "-v", "2147483647");
        Assert.Equal("spawn: PID 2147483647 has exited, skipping\n", verbose.Stderr);
    }

    [Theory]
    [InlineData(new string[0], "spawn: no PIDs specified\n")]
    [InlineData(new[] { "-c", "2", "1" }, "spawn: can't wait for 2 of 1 PIDs\n")]
    [InlineData(new[] { "-c", "1", "-e", "1" }, "spawn: mutually exclusive arguments: --count --exited\n")]
    [InlineData(new[] { "-c", "x", "1" }, "spawn: invalid count: 'x'\n")]
    [InlineData(new[] { "-t", "soon", "1" }, "spawn: invalid timeout: 'soon'\n")]
    [InlineData(new[] { "abc" }, "spawn: failed to parse PID argument 'abc': Invalid argument\n")]
    [InlineData(new[] { "0" }, "spawn: failed to parse PID argument '0': Numerical result out of range\n")]
    [InlineData(new[] { "-x", "1" }, "spawn: invalid option -- 'x'\nTry 'spawn wait --help' for more information.\n")]
    [InlineData(new[] { "--count" }, "spawn: option '--count' requires an argument\nTry 'spawn wait --help' for more information.\n")]
    public async Task Usage_errors_are_1_with_waitpids_messages(string[] args, string stderr)
    {
        var outcome = await Tool.RunAsync(["wait", .. args]);
        Assert.Equal(1, outcome.State.ExitCode);
        Assert.Equal(stderr, outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task Options_may_follow_the_pids_as_getopt_permutes_them()
    {
        var outcome = await Tool.RunAsync("wait", "2147483647", "--exited");
        Assert.Equal(0, outcome.State.ExitCode);
    }

    [Fact]
    public async Task Count_returns_once_enough_have_exited()
    {
        using var quick = new GatedProcess(0);
        using var slow = new GatedProcess(0);
        string[] args = ["wait", "-v", "--count", "1", slow.Pid, quick.Pid];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, quick.Handle, slow.Handle); quick.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal($"PID {quick.Pid} finished\n", outcome.Stdout);
        Assert.False(slow.Handle.HasExited);
    }

    [Fact]
    public async Task Wait_takes_PID_colon_INODE_and_waits_for_that_process()
    {
        using var other = new GatedProcess(0);
        if (other.Handle.UniqueId is null) Assert.Skip("this kernel has no pidfs: no PID:INODE");
        string[] args = ProcessHandle.UsesPidfd ? ["wait", "--status", other.Handle.QualifiedId] : ["wait", "--exited", other.Handle.QualifiedId];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, other.Handle); other.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal(0, other.Handle.Wait().ExitCode);
    }

    [Fact]
    public async Task Wait_refuses_a_PID_whose_inode_is_another()
    {
        using var other = new GatedProcess(0);
        if (other.Handle.UniqueId is null) Assert.Skip("this kernel has no pidfs: no PID:INODE");
        ulong inode = other.Handle.UniqueId!.Value;
        string wrong = $"{other.Pid}:{inode + 1}";
        var outcome = await Tool.RunAsync("wait", wrong);
        Assert.Equal(1, outcome.State.ExitCode);
        Assert.Contains("is gone", outcome.Stderr, StringComparison.Ordinal);
        var accepted = await Tool.RunAsync("wait", "--exited", wrong);
        Assert.Equal(0, accepted.State.ExitCode);
        Assert.False(other.Handle.HasExited);
        var malformed = await Tool.RunAsync("wait", $"{other.Pid}:x");
        Assert.Equal(1, malformed.State.ExitCode);
        Assert.Contains("failed to parse PID argument", malformed.Stderr, StringComparison.Ordinal);
    }
}
