using System.Text;
using Spawn.Tests.Support;

namespace Spawn.Tests.Terminals;

/// <summary>The command layer: Command.WithPseudoTerminal and ChildProcess.Terminal.</summary>
public sealed class CommandTerminalTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_childs_stdio_are_terminals_and_its_output_is_captured_as_stdout()
    {
        var result = await new Command("sh", "-c", "test -t 0 && test -t 1 && test -t 2 && echo out && echo err >&2")
            .WithPseudoTerminal().OutputAsync().WaitAsync(s_bound);
        Assert.Equal("out\r\nerr\r\n", result.StandardOutput);
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task Stty_size_is_the_size_asked_for()
    {
        var result = await new Command("stty", "size").WithPseudoTerminal(new TerminalOptions { Columns = 132, Rows = 43 }).OutputAsync().WaitAsync(s_bound);
        Assert.Equal("43 132\r\n", result.StandardOutput);
    }

    [Fact]
    public async Task TERM_is_set_when_the_environment_has_none_and_kept_when_it_has_one()
    {
        var without = await new Command("sh", "-c", "echo \"$TERM\"").WithoutEnvironment("TERM").WithPseudoTerminal().OutputAsync().WaitAsync(s_bound);
        Assert.Equal("xterm-256color\r\n", without.StandardOutput);
        var with = await new Command("sh", "-c", "echo \"$TERM\"").WithEnvironment("TERM", "vt100").WithPseudoTerminal().OutputAsync().WaitAsync(s_bound);
        Assert.Equal("vt100\r\n", with.StandardOutput);
    }

    [Fact]
    public async Task A_resize_reaches_the_child_by_SIGWINCH()
    {
        await using ChildProcess child = new Command("sh", "-c", "trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done")
            .WithPseudoTerminal(new TerminalOptions { Columns = 80, Rows = 24 }).WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).Start();
        Assert.Same(child.Terminal!.Output, child.Stdout);
        var reader = new TerminalReader(child.Stdout!);
        int at = await reader.WaitForAsync("ready\r\n");
        child.Terminal.Resize(100, 50);
        await reader.WaitForAsync("50 100\r\n", at);
        await reader.Completion.WaitAsync(s_bound);
        Assert.Equal(0, (await child.WaitAsync().WaitAsync(s_bound)).ExitCode);
    }

    [Fact]
    public async Task The_child_leads_a_session_whose_controlling_terminal_is_the_pty_and_dev_tty_writes_arrive()
    {
        var result = await new Command("sh", "-c", "tty; set -- $(cat /proc/$$/stat); test \"$1\" = \"$6\" && test \"$1\" = \"$5\" && echo leader; echo via-tty > /dev/tty")
            .WithPseudoTerminal().OutputAsync().WaitAsync(s_bound);
        string[] lines = result.StandardOutput.Split("\r\n");
        Assert.StartsWith("/dev/pts/", lines[0], StringComparison.Ordinal);
        Assert.Equal(["leader", "via-tty", ""], lines[1..]);
    }

    [Fact]
    public async Task SendInterrupt_ends_sleep_by_SIGINT()
    {
        await using ChildProcess child = new Command("sleep", "30").WithPseudoTerminal().WithStdin(InputSource.Pipe).WithThrowOnFailure(false).Start();
        Assert.Equal(child.Pid, child.Terminal!.ForegroundProcessGroup);
        child.Terminal.SendInterrupt();
        CommandResult result = await child.WaitAsync().WaitAsync(s_bound);
        Assert.Equal(Signals.SIGINT, result.State.Signal);
    }

    [Fact]
    public async Task Stdin_is_typed_and_its_end_is_the_end_of_file_character()
    {
        var result = await new Command("cat").WithPseudoTerminal(new TerminalOptions { Echo = false })
            .WithStdin(InputSource.FromString("one\ntwo")).OutputAsync().WaitAsync(s_bound);
        // "two" had no newline: the first end-of-file ends the line, the second ends the input.
        Assert.Equal("one\r\ntwo", result.StandardOutput);
    }

    [Fact]
    public async Task Cat_on_a_piped_stdin_ends_when_the_stdin_stream_is_disposed()
    {
        await using ChildProcess child = new Command("cat").WithPseudoTerminal().WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).Start();
        var reader = new TerminalReader(child.Stdout!);
        await child.Stdin!.WriteAsync("hello\n"u8.ToArray());
        await reader.WaitForAsync("hello\r\nhello\r\n");
        await child.Stdin.DisposeAsync(); // the end-of-file character: cat sees the end of its input
        await reader.Completion.WaitAsync(s_bound); // read to the end before waiting, as for a pipe
        Assert.Equal(0, (await child.WaitAsync().WaitAsync(s_bound)).ExitCode);
        Assert.Equal("hello\r\nhello\r\n", reader.Text);
    }

    [Fact]
    public async Task Python_is_driven_line_by_line()
    {
        if (!File.Exists("/usr/bin/python3")) Assert.Skip("python3 is not installed");
        await using ChildProcess child = new Command("/usr/bin/python3", "-i", "-q").WithPseudoTerminal(new TerminalOptions { Echo = false })
            .WithEnvironment("PYTHONSTARTUP", null).WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).Start();
        var reader = new TerminalReader(child.Stdout!);
        int at = await reader.WaitForAsync(">>> ");
        await child.Stdin!.WriteAsync("6 * 7\n"u8.ToArray());
        at = await reader.WaitForAsync("42\r\n>>> ", at);
        await child.Stdin.WriteAsync("import os; print(os.isatty(0), os.getsid(0) == os.getpid())\n"u8.ToArray());
        at = await reader.WaitForAsync("True True\r\n>>> ", at);
        await child.Stdin.WriteAsync("x = 'spawn'\n"u8.ToArray());
        at = await reader.WaitForAsync(">>> ", at);
        await child.Stdin.WriteAsync("x.upper()\n"u8.ToArray());
        await reader.WaitForAsync("'SPAWN'\r\n>>> ", at);
        child.Terminal!.SendEof();
        await reader.Completion.WaitAsync(s_bound);
        Assert.Equal(0, (await child.WaitAsync().WaitAsync(s_bound)).ExitCode);
    }

    [Fact]
    public async Task A_program_writing_200000_bytes_and_exiting_at_once_loses_nothing_100_times()
    {
        var command = new Command("head", "-c", "200000", "/dev/zero").WithPseudoTerminal();
        for (int run = 0; run < 100; run++)
        {
            BinaryCommandResult result = await command.OutputBytesAsync().WaitAsync(s_bound);
            Assert.Equal(200000, result.StandardOutput.Length);
        }
    }

    [Fact]
    public void The_blocking_run_loses_nothing_either()
    {
        BinaryCommandResult result = new Command("head", "-c", "200000", "/dev/zero").WithPseudoTerminal().OutputBytes();
        Assert.Equal(200000, result.StandardOutput.Length);
    }

    [Fact]
    public async Task Output_goes_to_lines_a_file_and_a_delegate()
    {
        var command = new Command("sh", "-c", "echo one; echo two >&2").WithPseudoTerminal();
        var lines = new List<string>();
        await foreach (OutputLine line in command.StreamLinesAsync()) lines.Add($"{line.Source}:{line.Text}");
        Assert.Equal(["Stdout:one", "Stdout:two"], lines);

        string file = Path.Combine(Path.GetTempPath(), $"spawn-pty-{Guid.NewGuid():N}");
        try
        {
            await command.WithStdoutFile(file).RunAsync().WaitAsync(s_bound);
            Assert.Equal("one\r\ntwo\r\n", File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }

        var delegated = new List<string>();
        await command.WithStdout(OutputTarget.ToDelegate(delegated.Add)).RunAsync().WaitAsync(s_bound);
        Assert.Equal(["one", "two"], delegated);
    }

    [Fact]
    public async Task A_timeout_ends_the_childs_session_group()
    {
        var result = await new Command("sh", "-c", "sleep 30 & sleep 30; wait").WithPseudoTerminal().WithTimeout(TimeSpan.FromMilliseconds(300))
            .WithThrowOnFailure(false).RunAsync().WaitAsync(s_bound);
        Assert.Equal(CommandOutcome.TimedOut, result.Outcome);
    }

    [Fact]
    public async Task A_background_job_holding_the_terminal_is_bounded_by_the_wait_delay_then_hung_up()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"spawn-hup-{Guid.NewGuid():N}");
        try
        {
            // The session leader's exit sends SIGHUP to its foreground group, so the job ignores it
            // and keeps writing to the terminal; once the terminal is hung up, its writes fail (EIO).
            string job = $"trap '' HUP; while printf .; do sleep 0.05; done; echo hung-up > {marker}";
            var started = DateTime.UtcNow;
            var result = await new Command("sh", "-c", $"sh -c \"{job}\" & sleep 0.2; echo parent-done")
                .WithPseudoTerminal().WithWaitDelay(TimeSpan.FromMilliseconds(500)).WithThrowOnFailure(false).OutputAsync().WaitAsync(s_bound);
            Assert.True(result.WaitDelayExpired);
            Assert.Equal(0, result.State.ExitCode);
            Assert.Contains("parent-done", result.StandardOutput, StringComparison.Ordinal);
            // Ended by the wait delay, not by the job, which writes for as long as the terminal lives
            // (the bound is only below the 30 s the run is given, however slow the machine).
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(25), $"took {DateTime.UtcNow - started}");
            Assert.True(Fds.Eventually(() => File.Exists(marker)), "the background job's writes did not fail: the terminal was not hung up");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task A_program_that_closes_its_terminal_before_exiting_is_not_hung_up()
    {
        // cat closes stdin, stdout and stderr at its exit: the master reads EIO while cat still runs.
        var command = new Command("cat").WithPseudoTerminal(new TerminalOptions { Echo = false }).WithThrowOnFailure(false);
        CommandResult[] results = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => command.RunAsync())).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.All(results, r => Assert.Equal(0, r.State.ExitCode));
    }

    [Fact]
    public void Stdin_from_a_handle_is_refused_with_a_clear_message()
    {
        var e = Assert.Throws<NotSupportedException>(() => new Command("true").WithPseudoTerminal().WithStdin(InputSource.Inherit).Start());
        Assert.Contains("ChildProcess.Terminal.Input", e.Message, StringComparison.Ordinal);
    }
}
