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
    /// </summary>
    private static void WaitUntilToolHolds(int toolPid, params ProcessHandle[] targets)
    {
        if (!ProcessHandle.UsesPidfd)
        {
            Thread.Sleep(1500);
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
    public async Task Wait_on_a_process_started_elsewhere_returns_when_it_exits()
    {
        using var other = new GatedProcess(4);
        string[] args = ProcessHandle.UsesPidfd ? ["wait", other.Pid] : ["wait", "--exited", other.Pid];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, other.Handle); other.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal(4, other.Handle.Wait().ExitCode);
        // The kernel keeps the status for any process (6.15+); this machine has it. The tool
        // inherits SPAWN_PIDFD=0 in the PID-mode run, and without a pidfd the status is unknown.
        Assert.Equal(ProcessHandle.UsesPidfd ? $"{other.Pid}: exit status 4\n" : $"{other.Pid}: unknown\n", outcome.Stdout);
    }

    [Fact]
    public async Task Wait_timeout_is_124()
    {
        using var other = new GatedProcess(0);
        var outcome = await Tool.RunAsync("wait", "--timeout", "0.3", other.Pid);
        Assert.Equal(124, outcome.State.ExitCode);
        Assert.False(other.Handle.HasExited);
    }

    [Fact]
    public async Task A_pid_that_names_no_process_is_1_unless_exited_is_given()
    {
        var missing = await Tool.RunAsync("wait", "2147483647");
        Assert.Equal(1, missing.State.ExitCode);
        Assert.Contains("2147483647", missing.Stderr);
        var accepted = await Tool.RunAsync("wait", "--exited", "2147483647");
        Assert.Equal(0, accepted.State.ExitCode);
        Assert.Equal("2147483647: unknown\n", accepted.Stdout);
    }

    [Fact]
    public async Task Count_returns_once_enough_have_exited()
    {
        using var quick = new GatedProcess(0);
        using var slow = new GatedProcess(0);
        string[] args = ["wait", .. ProcessHandle.UsesPidfd ? [] : new[] { "--exited" }, "--count", "1", slow.Pid, quick.Pid];
        var outcome = await RunToolWhile(tool => { WaitUntilToolHolds(tool, quick.Handle, slow.Handle); quick.Open(); }, args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.StartsWith($"{quick.Pid}: ", outcome.Stdout, StringComparison.Ordinal);
        Assert.False(slow.Handle.HasExited);
    }
}
