using Spawn.Tests.Terminals;

namespace Spawn.Tests.Cli;

/// <summary>`spawn run --pty`: the program on a terminal of its own, statuses and timeouts as without it, ours left as it was.</summary>
public sealed class PtyToolTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_program_sees_a_terminal_and_its_output_reaches_our_stdout()
    {
        var outcome = await Tool.RunAsync("run", "--pty", "--", "sh", "-c", "test -t 0 && test -t 1 && test -t 2 && echo on-a-tty; echo err >&2");
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal("on-a-tty\r\nerr\r\n", outcome.Stdout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public async Task The_programs_exit_status_is_ours(int code)
    {
        var outcome = await Tool.RunAsync("run", "--pty", "--", "sh", "-c", $"exit {code}");
        Assert.Equal(code, outcome.State.ExitCode);
    }

    [Fact]
    public async Task Death_by_a_signal_ends_the_tool_by_the_same_signal()
    {
        var outcome = await Tool.RunAsync("run", "--pty", "--", "sh", "-c", "kill -TERM $$");
        Assert.Equal(Signals.SIGTERM, outcome.State.Signal);
    }

    [Fact]
    public async Task A_timeout_is_124()
    {
        var outcome = await Tool.RunAsync("run", "--pty", "--timeout", "0.3", "--", "sleep", "30");
        Assert.Equal(124, outcome.State.ExitCode);
    }

    [Fact]
    public async Task Not_found_is_127()
    {
        var outcome = await Tool.RunAsync("run", "--pty", "--", "no-such-program-anywhere");
        Assert.Equal(127, outcome.State.ExitCode);
    }

    [Fact]
    public async Task Pty_with_group_is_a_usage_error()
    {
        var outcome = await Tool.RunAsync("run", "--pty", "--group", "--", "true");
        Assert.Equal(125, outcome.State.ExitCode);
        Assert.Contains("--pty", outcome.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Runs <paramref name="script"/> with sh on a terminal of the test's own, with the tool as $SPAWN.</summary>
    private static async Task<(ProcessState State, string Output)> OnOurTerminal(string script, TerminalOptions? options = null, Func<PseudoTerminal, TerminalReader, Task>? drive = null)
    {
        using var terminal = PseudoTerminal.Open(options);
        using var shell = ProcessHandle.Start("/bin/sh", ["sh", "-c", script], new StartOptions
        {
            PseudoTerminal = terminal,
            Environment = [.. Environment.GetEnvironmentVariables().Keys.Cast<string>().Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"), $"SPAWN={Tool.Path}"],
        });
        var reader = new TerminalReader(terminal.Output);
        if (drive is not null) await drive(terminal, reader);
        ProcessState state = await shell.WaitAsync().WaitAsync(s_bound);
        await reader.Completion.WaitAsync(s_bound);
        return (state, reader.Text);
    }

    [Theory]
    [InlineData("\"$SPAWN\" run --pty -- true")]
    [InlineData("\"$SPAWN\" run --pty --timeout 0.3 -- sleep 30")]
    [InlineData("\"$SPAWN\" run --pty -- sh -c 'kill -TERM $$'")]
    [InlineData("\"$SPAWN\" run --pty -- sh -c 'exit 7'")]
    public async Task The_calling_terminals_settings_are_unchanged_afterwards(string run)
    {
        var (state, output) = await OnOurTerminal($"stty -g; {run}; echo \"status=$?\"; stty -g", new TerminalOptions { Echo = false });
        Assert.Equal(0, state.ExitCode);
        string[] lines = output.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, output);
        Assert.StartsWith("status=", lines[^2], StringComparison.Ordinal);
        Assert.Equal(lines[0], lines[^1]); // stty -g before and after: the same settings
    }

    [Fact]
    public async Task Our_window_size_and_its_changes_are_passed_on()
    {
        var (state, output) = await OnOurTerminal(
            "\"$SPAWN\" run --pty -- sh -c 'stty size; trap \"stty size; exit 0\" WINCH; echo ready; while :; do sleep 0.05; done'",
            new TerminalOptions { Columns = 90, Rows = 33, Echo = false },
            async (terminal, reader) =>
            {
                int at = await reader.WaitForAsync("33 90\r\nready\r\n");
                terminal.Resize(120, 44);
                await reader.WaitForAsync("44 120\r\n", at);
            });
        Assert.True(state.ExitCode == 0, output);
    }

    [Fact]
    public async Task Keys_typed_at_our_terminal_reach_the_program_and_Ctrl_C_interrupts_it()
    {
        var (state, output) = await OnOurTerminal(
            "\"$SPAWN\" run --pty -- sh -c 'read line; echo \"got [$line]\"; exec sleep 30'; echo \"status=$?\"",
            new TerminalOptions { Echo = false },
            async (terminal, reader) =>
            {
                // Raw mode at our end: the program's terminal echoes and edits, so wait until it reads.
                await Task.Delay(500);
                await terminal.Input.WriteAsync("typed\r"u8.ToArray());
                await reader.WaitForAsync("got [typed]\r\n");
                await Task.Delay(200);
                await terminal.Input.WriteAsync(new byte[] { 3 }); // Ctrl+C, a byte for the program's terminal
            });
        Assert.Equal(0, state.ExitCode);
        Assert.Contains($"status={128 + Signals.SIGINT}", output, StringComparison.Ordinal);
    }
}
