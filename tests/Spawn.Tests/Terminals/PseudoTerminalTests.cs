namespace Spawn.Tests.Terminals;

/// <summary>The handle layer: a pseudo-terminal opened by the caller and given to ProcessHandle.Start.</summary>
public sealed class PseudoTerminalTests
{
    private static (ProcessHandle Process, TerminalReader Reader) Start(PseudoTerminal terminal, string script) =>
        (ProcessHandle.Start("/bin/sh", ["sh", "-c", script], new StartOptions { PseudoTerminal = terminal }), new TerminalReader(terminal.Output));

    [Fact]
    public async Task The_childs_stdin_stdout_and_stderr_are_terminals()
    {
        using var terminal = PseudoTerminal.Open();
        var (process, reader) = Start(terminal, "test -t 0 && test -t 1 && test -t 2 && echo all-three");
        using (process)
        {
            Assert.Equal(0, (await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
            await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("all-three\r\n", reader.Text);
        }
    }

    [Fact]
    public async Task Stty_reports_the_size_asked_for_and_a_resize_reaches_the_child_by_SIGWINCH()
    {
        using var terminal = PseudoTerminal.Open(new TerminalOptions { Columns = 100, Rows = 30 });
        var (process, reader) = Start(terminal, "stty size; trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done");
        using (process)
        {
            int at = await reader.WaitForAsync("30 100\r\nready\r\n");
            terminal.Resize(120, 40);
            Assert.Equal((120, 40), terminal.Size);
            await reader.WaitForAsync("40 120\r\n", at);
            Assert.Equal(0, (await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        }
    }

    [Fact]
    public async Task The_child_leads_a_session_whose_controlling_terminal_is_the_pty()
    {
        using var terminal = PseudoTerminal.Open();
        var (process, reader) = Start(terminal, "tty; set -- $(cat /proc/$$/stat); echo \"pid=$1 pgrp=$5 sid=$6\"; echo through-dev-tty > /dev/tty");
        using (process)
        {
            Assert.Equal(0, (await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
            await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            int pid = process.Pid;
            Assert.Equal($"{terminal.Name}\r\npid={pid} pgrp={pid} sid={pid}\r\nthrough-dev-tty\r\n", reader.Text);
        }
    }

    [Fact]
    public async Task The_interrupt_character_ends_sleep_by_SIGINT_and_the_foreground_group_is_the_childs()
    {
        using var terminal = PseudoTerminal.Open();
        Assert.Null(terminal.ForegroundProcessGroup);
        using var process = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], new StartOptions { PseudoTerminal = terminal });
        var reader = new TerminalReader(terminal.Output);
        Assert.Equal(process.Pid, terminal.ForegroundProcessGroup);
        terminal.SendInterrupt();
        ProcessState state = await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Signals.SIGINT, state.Signal);
        await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Cat_ends_on_the_end_of_file_character_and_its_input_is_echoed()
    {
        using var terminal = PseudoTerminal.Open();
        using var process = ProcessHandle.Start("/bin/cat", ["cat"], new StartOptions { PseudoTerminal = terminal });
        var reader = new TerminalReader(terminal.Output);
        await terminal.Input.WriteAsync("hello\n"u8.ToArray());
        await reader.WaitForAsync("hello\r\nhello\r\n");
        terminal.SendEof();
        Assert.Equal(0, (await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("hello\r\nhello\r\n", reader.Text);
    }

    [Fact]
    public async Task Without_echo_the_output_is_only_the_programs()
    {
        using var terminal = PseudoTerminal.Open(new TerminalOptions { Echo = false });
        using var process = ProcessHandle.Start("/bin/cat", ["cat"], new StartOptions { PseudoTerminal = terminal });
        var reader = new TerminalReader(terminal.Output);
        await terminal.Input.WriteAsync("quiet\n"u8.ToArray());
        terminal.Input.Dispose(); // sends the end-of-file character, not a close
        Assert.Equal(0, (await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("quiet\r\n", reader.Text);
    }

    [Fact]
    public async Task Raw_mode_passes_bytes_unchanged()
    {
        using var terminal = PseudoTerminal.Open(new TerminalOptions { Raw = true });
        var (process, reader) = Start(terminal, "printf 'a\\nb\\n'");
        using (process)
        {
            await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            await reader.Completion.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("a\nb\n", reader.Text);
        }
    }

    [Fact]
    public async Task A_program_writing_200000_bytes_and_exiting_at_once_loses_nothing_100_times()
    {
        for (int run = 0; run < 100; run++)
        {
            using var terminal = PseudoTerminal.Open();
            using var process = ProcessHandle.Start("/usr/bin/head", ["head", "-c", "200000", "/dev/zero"], new StartOptions { PseudoTerminal = terminal });
            long total = 0;
            byte[] buffer = new byte[65536];
            while (true)
            {
                int read = await terminal.Output.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                if (read == 0) break;
                total += read;
            }
            ProcessState state = await process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(state.ExitCode == 0 && total == 200000, $"run {run}: {state}, {total} bytes read");
        }
    }

    [Fact]
    public void A_terminal_serves_one_child_and_stdio_cannot_be_given_with_it()
    {
        using var terminal = PseudoTerminal.Open();
        using var devNull = File.OpenHandle("/dev/null");
        Assert.Throws<ArgumentException>(() => ProcessHandle.Start("/bin/true", ["true"], new StartOptions { PseudoTerminal = terminal, Stdout = devNull }));
        using (var first = ProcessHandle.Start("/bin/true", ["true"], new StartOptions { PseudoTerminal = terminal })) first.Wait();
        Assert.Throws<InvalidOperationException>(() => ProcessHandle.Start("/bin/true", ["true"], new StartOptions { PseudoTerminal = terminal }));
    }

    [Fact]
    public void Sizes_outside_what_a_terminal_holds_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PseudoTerminal.Open(new TerminalOptions { Columns = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => PseudoTerminal.Open(new TerminalOptions { Rows = 70000 }));
        using var terminal = PseudoTerminal.Open();
        Assert.Throws<ArgumentOutOfRangeException>(() => terminal.Resize(-1, 10));
    }
}

public sealed class PseudoTerminalPlatformTests
{
    [Fact]
    public void Windows_gets_PlatformNotSupportedException_saying_ConPTY_is_untested()
    {
        PlatformNotSupportedException exception = PseudoTerminal.ConPtyUntested();
        Assert.Contains("ConPTY", exception.Message, StringComparison.Ordinal);
        Assert.Contains("untested", exception.Message, StringComparison.Ordinal);
    }
}
