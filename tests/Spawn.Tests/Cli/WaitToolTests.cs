namespace Spawn.Tests.Cli;

public sealed class WaitToolTests
{
    [Fact]
    public async Task Wait_on_a_process_started_elsewhere_returns_when_it_exits()
    {
        // The test starts the process, so for the tool it is someone else's.
        using var other = ProcessHandle.Start("/bin/sh", ["sh", "-c", "sleep 0.5; exit 4"]);
        var outcome = await Tool.RunAsync("wait", other.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.True(other.HasExited || other.Wait().ExitCode == 4);
        // The kernel keeps the status for any process (6.15+); this machine has it. The tool
        // inherits SPAWN_PIDFD=0 in the PID-mode run, and without a pidfd the status is unknown.
        Assert.Equal(ProcessHandle.UsesPidfd ? $"{other.Pid}: exit status 4\n" : $"{other.Pid}: unknown\n", outcome.Stdout);
    }

    [Fact]
    public async Task Wait_timeout_is_124()
    {
        using var other = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            var outcome = await Tool.RunAsync("wait", "--timeout", "0.3", other.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(124, outcome.State.ExitCode);
            Assert.False(other.HasExited);
        }
        finally
        {
            other.Kill();
            other.Wait();
        }
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
        using var quick = ProcessHandle.Start("/bin/sleep", ["sleep", "0.2"]);
        using var slow = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        try
        {
            var outcome = await Tool.RunAsync("wait", "--count", "1", slow.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), quick.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, outcome.State.ExitCode);
            Assert.StartsWith($"{quick.Pid}: ", outcome.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            slow.Kill();
            slow.Wait();
        }
    }
}
