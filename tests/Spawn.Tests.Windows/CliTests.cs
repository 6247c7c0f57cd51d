using System.Globalization;
using System.Text.Json;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>
/// The spawn CLI on Windows (Spawn.Cli.exe, published next to this runner by tests/windows.sh):
/// `spawn run` and `spawn wait` with GNU timeout's and waitpid's exit statuses where they mean the
/// same thing, and a clear refusal of what Windows has not.
/// </summary>
public sealed class CliTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(90);

    private static string Spawn
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Spawn.Cli.exe");
            Assert.True(File.Exists(path), $"{path} is missing: publish src/Spawn.Cli for win-x64 next to the runner (tests/windows.sh does)");
            return path;
        }
    }

    private static Task<BufferedCommandResult> SpawnAsync(params string[] arguments) =>
        new Command(Spawn, arguments).WithThrowOnFailure(false).WithTimeout(s_bound).OutputAsync(TestContext.Current.CancellationToken);

    private static string[] ChildCommand(params string[] command) => [ChildProgram.Path, ChildProgram.Verb, .. command];

    [Fact]
    public async Task Run_passes_on_the_exit_code_and_the_output()
    {
        BufferedCommandResult result = await SpawnAsync(["run", "--", .. ChildCommand("exit", "3")]);
        Assert.Equal(3, result.ExitCode);

        BufferedCommandResult lines = await SpawnAsync(["run", "10", .. ChildCommand("lines", "3")]);
        Assert.Equal(0, lines.ExitCode);
        Assert.Equal("line 1\nline 3\n", lines.StandardOutput);
        Assert.Equal("line 2\n", lines.StandardError);
    }

    [Fact]
    public async Task Run_with_a_deadline_ends_the_program_with_124_and_KILL_with_137()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        BufferedCommandResult timedOut = await SpawnAsync(["run", "2", .. ChildCommand("sleep", "120")]);
        Assert.Equal(124, timedOut.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");

        BufferedCommandResult killed = await SpawnAsync(["run", "-s", "KILL", "1", .. ChildCommand("sleep", "120")]);
        Assert.Equal(137, killed.ExitCode);

        BufferedCommandResult preserved = await SpawnAsync(["run", "--preserve-status", "-k", "1", "1", .. ChildCommand("sleep", "120")]);
        Assert.Equal(137, preserved.ExitCode); // terminated: Windows has no gentler signal to preserve
    }

    [Fact]
    public async Task Run_with_a_tree_ends_the_grandchild_at_the_deadline()
    {
        BufferedCommandResult result = await SpawnAsync(["run", "--tree", "3", .. ChildCommand("grandchild-then-sleep", "120")]);
        Assert.Equal(124, result.ExitCode);
        int grandchild = int.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
        using ProcessHandle found = ProcessHandle.Find(grandchild);
        Assert.False(found.Signal(0), $"grandchild {grandchild} is still running after spawn run --tree timed out");
    }

    [Fact]
    public async Task Run_reports_stats_and_json()
    {
        string json = Path.Combine(Path.GetTempPath(), $"spawn-cli-{Guid.NewGuid():N}.json");
        try
        {
            BufferedCommandResult result = await SpawnAsync(["run", "--stats", "--json", json, "--tree", "--", .. ChildCommand("exit", "5")]);
            Assert.Equal(5, result.ExitCode);
            Assert.Contains("exit", result.StandardError, StringComparison.Ordinal);
            using JsonDocument report = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(5, report.RootElement.GetProperty("exit_code").GetInt32());
            Assert.True(report.RootElement.TryGetProperty("tree_user_seconds", out _), report.RootElement.ToString());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Run_says_what_it_cannot_start_with_127_and_refuses_a_pty()
    {
        BufferedCommandResult missing = await SpawnAsync("run", "--", "no-such-program-here");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("no-such-program-here", missing.StandardError, StringComparison.Ordinal);

        BufferedCommandResult pty = await SpawnAsync(["run", "--pty", "--", .. ChildCommand("exit", "0")]);
        Assert.Equal(125, pty.ExitCode);
        Assert.Contains("Linux only", pty.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_waits_for_a_process_it_did_not_start()
    {
        using ProcessHandle other = ProcessHandle.Start(ChildProgram.Path, ChildProgram.Argv("sleep", "2"));
        BufferedCommandResult result = await SpawnAsync("wait", "--status", other.Pid.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"{other.Pid}: ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, other.Wait().ExitCode);

        BufferedCommandResult timeout = await SpawnAsync("wait", "-t", "1", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(3, timeout.ExitCode);

        BufferedCommandResult byInode = await SpawnAsync("wait", $"{Environment.ProcessId}:12345");
        Assert.Equal(2, byInode.ExitCode); // no pidfs inode on Windows: "no system support"
    }
}
