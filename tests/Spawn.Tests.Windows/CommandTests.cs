using System.Text;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>The command layer on Windows: capture, streaming, stdin, pipelines, timeouts.</summary>
public sealed class CommandTests
{
    private static Command Child(params string[] command) => new(ChildProgram.Path, [ChildProgram.Verb, .. command]);

    [Fact]
    public async Task Output_captures_stdout_and_stderr_and_the_exit_code()
    {
        BufferedCommandResult result = await Child("lines", "6").WithThrowOnFailure(false).OutputAsync(TestContext.Current.CancellationToken);

        Assert.Equal("line 1\nline 3\nline 5\n", result.StandardOutput);
        Assert.Equal("line 2\nline 4\nline 6\n", result.StandardError);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void A_blocking_capture_of_large_output_is_whole()
    {
        const int size = 8 * 1024 * 1024;
        BinaryCommandResult result = Child("write-stdout", size.ToString(System.Globalization.CultureInfo.InvariantCulture)).OutputBytes(TestContext.Current.CancellationToken);

        Assert.True(ChildProgram.Pattern(size).AsSpan().SequenceEqual(result.StandardOutput), "the captured output differs");
    }

    [Fact]
    public async Task Lines_stream_in_order_from_both_streams()
    {
        var lines = new List<OutputLine>();
        await foreach (OutputLine line in Child("lines", "2000").StreamLinesAsync(TestContext.Current.CancellationToken))
        {
            lines.Add(line);
        }

        Assert.Equal(2000, lines.Count);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => $"line {2 * i - 1}"), lines.Where(l => l.Source == OutputKind.Stdout).Select(l => l.Text));
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => $"line {2 * i}"), lines.Where(l => l.Source == OutputKind.Stderr).Select(l => l.Text));
    }

    [Fact]
    public async Task Stdin_from_bytes_and_merged_output()
    {
        byte[] input = ChildProgram.Pattern(2 * 1024 * 1024 + 3);
        BinaryCommandResult result = await Child("echo").WithStdin(InputSource.FromBytes(input)).OutputBytesAsync(TestContext.Current.CancellationToken);

        Assert.True(input.AsSpan().SequenceEqual(result.StandardOutput), "stdin did not come back unchanged");

        BufferedCommandResult merged = await Child("lines", "4").WithStderrMerged().OutputAsync(TestContext.Current.CancellationToken);
        Assert.Equal("line 1\nline 2\nline 3\nline 4\n", merged.StandardOutput);
    }

    [Fact]
    public async Task A_pipeline_carries_data_between_children_without_us()
    {
        const int size = 3 * 1024 * 1024;
        BinaryPipelineResult result = await (Child("write-stdout", size.ToString(System.Globalization.CultureInfo.InvariantCulture)) | Child("echo") | Child("echo"))
            .OutputBytesAsync(TestContext.Current.CancellationToken);

        Assert.True(ChildProgram.Pattern(size).AsSpan().SequenceEqual(result.StandardOutput), "the data changed on its way through");
    }

    [Fact]
    public async Task A_timeout_ends_the_child_and_everything_it_started()
    {
        Command command = Child("grandchild-then-sleep", "120").WithTimeout(TimeSpan.FromSeconds(3)).WithThrowOnFailure(false);
        BufferedCommandResult result = await command.OutputAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.Equal(Signals.SIGKILL, result.State.Signal);
        int grandchild = int.Parse(result.StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using ProcessHandle found = ProcessHandle.Find(grandchild);
        // Gone already, or on its way out: the job's termination reached it too.
        Assert.True(found.WaitAsync(TestContext.Current.CancellationToken).Wait(TimeSpan.FromSeconds(10)), $"grandchild {grandchild} is still running");
    }

    [Fact]
    public void A_blocking_run_with_a_timeout_returns_within_its_bound()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        CommandResult result = Child("sleep", "120").WithTimeout(TimeSpan.FromSeconds(2)).WithThrowOnFailure(false).Run(TestContext.Current.CancellationToken);

        Assert.True(result.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_ends_the_child()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Child("sleep", "120").RunAsync(cancel.Token));
    }

    [Fact]
    public async Task A_program_is_found_in_PATH_with_PATHEXT()
    {
        string directory = Path.GetDirectoryName(ChildProgram.Path)!;
        BufferedCommandResult result = await new Command(Path.GetFileNameWithoutExtension(ChildProgram.Path), ChildProgram.Verb, "exit", "0")
            .WithEnvironment("PATH", directory + ";" + Environment.GetEnvironmentVariable("PATH")).OutputAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, result.ExitCode);

        var missing = await Assert.ThrowsAsync<ProcessStartException>(() => new Command("no-such-program-here").RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal("ENOENT", missing.ErrorName);
    }

    [Fact]
    public async Task A_failing_command_throws_with_its_stderr()
    {
        var failure = await Assert.ThrowsAsync<CommandFailedException>(() => new Command(Path.Combine(Environment.SystemDirectory, "cmd.exe"), "/c", "echo oops 1>&2 & exit 3").OutputAsync(TestContext.Current.CancellationToken));
        Assert.Contains("oops", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, failure.Result.ExitCode);
    }

    [Fact]
    public async Task Output_to_a_file_appends()
    {
        string file = Path.Combine(Path.GetTempPath(), $"spawn-append-{Guid.NewGuid():N}.txt");
        try
        {
            await Child("lines", "1").WithStdoutFile(file, append: true).RunAsync(TestContext.Current.CancellationToken);
            await Child("lines", "1").WithStdoutFile(file, append: true).RunAsync(TestContext.Current.CancellationToken);
            Assert.Equal("line 1\nline 1\n", File.ReadAllText(file, Encoding.UTF8));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
