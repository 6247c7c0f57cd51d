using System.Text;
using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

public sealed class StdioTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-stdio-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Command Child(params string[] args) => new(ChildProgram.Path, args);

    [Fact]
    public async Task Stdin_from_string_bytes_stream_and_file()
    {
        Assert.Equal("héllo", (await Child("echo").WithStdin(InputSource.FromString("héllo")).OutputAsync()).StandardOutput);
        Assert.Equal([1, 2, 3], (await Child("echo").WithStdin(InputSource.FromBytes(new byte[] { 1, 2, 3 })).OutputBytesAsync()).StandardOutput);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("from a stream"));
        Assert.Equal("from a stream", (await Child("echo").WithStdin(InputSource.FromStream(stream)).OutputAsync()).StandardOutput);
        string file = Path.Combine(_dir, "in.txt");
        File.WriteAllText(file, "from a file");
        Assert.Equal("from a file", (await Child("echo").WithStdinFile(file).OutputAsync()).StandardOutput);
    }

    [Fact]
    public async Task Stdin_through_a_pipe_the_caller_writes()
    {
        await using ChildProcess child = Child("echo").WithStdin(InputSource.Pipe).WithStdout(OutputTarget.Pipe).Start();
        Assert.NotNull(child.Stdin);
        Assert.NotNull(child.Stdout);
        await child.Stdin.WriteAsync(Encoding.UTF8.GetBytes("ping"));
        await child.Stdin.DisposeAsync(); // end-of-file for the child
        string echoed = await new StreamReader(child.Stdout).ReadToEndAsync();
        Assert.Equal("ping", echoed);
        Assert.Equal(0, (await child.WaitAsync()).ExitCode);
    }

    [Fact]
    public async Task A_child_that_never_reads_a_10_MB_stdin_still_finishes()
    {
        var bytes = new byte[10 * 1024 * 1024];
        var result = await new Command("/bin/true").WithStdin(InputSource.FromBytes(bytes)).RunAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task A_stream_source_is_read_once_so_a_second_start_is_refused()
    {
        var command = Child("echo").WithStdin(InputSource.FromStream(new MemoryStream([1])));
        await command.RunAsync();
        Assert.Throws<InvalidOperationException>(() => command.Start());
    }

    [Fact]
    public async Task Stdout_and_stderr_to_files()
    {
        string outFile = Path.Combine(_dir, "out.txt"), errFile = Path.Combine(_dir, "err.txt");
        await new Command("sh", "-c", "echo to-out; echo to-err >&2")
            .WithStdoutFile(outFile).WithStderr(OutputTarget.ToFile(errFile)).RunAsync();
        Assert.Equal("to-out\n", File.ReadAllText(outFile));
        Assert.Equal("to-err\n", File.ReadAllText(errFile));

        await new Command("sh", "-c", "echo more").WithStdout(OutputTarget.ToFile(outFile, append: true)).RunAsync();
        Assert.Equal("to-out\nmore\n", File.ReadAllText(outFile));
    }

    [Fact]
    public async Task Stdout_and_stderr_to_streams_string_builders_and_callbacks()
    {
        using var outStream = new MemoryStream();
        var errBuilder = new StringBuilder();
        await new Command("sh", "-c", "echo to-out; echo to-err >&2")
            .WithStdout(OutputTarget.ToStream(outStream)).WithStderr(OutputTarget.ToStringBuilder(errBuilder)).RunAsync();
        Assert.Equal("to-out\n", Encoding.UTF8.GetString(outStream.ToArray()));
        Assert.Equal("to-err\n", errBuilder.ToString());

        var outLines = new List<string>();
        var errLines = new List<string>();
        await new Command("sh", "-c", "printf 'a\\nb\\r\\nc'; echo e >&2")
            .WithStdout(OutputTarget.ToDelegate(outLines.Add)).WithStderr(OutputTarget.ToDelegate(errLines.Add)).RunAsync();
        Assert.Equal(["a", "b", "c"], outLines);
        Assert.Equal(["e"], errLines);
    }

    [Fact]
    public async Task Stdout_and_stderr_to_null_and_to_pipes()
    {
        var quiet = await new Command("sh", "-c", "echo x; echo y >&2").RunAsync();
        Assert.Equal(0, quiet.ExitCode);

        await using ChildProcess child = new Command("sh", "-c", "echo x; echo y >&2")
            .WithStdout(OutputTarget.Pipe).WithStderr(OutputTarget.Pipe).Start();
        Task<string> stdout = new StreamReader(child.Stdout!).ReadToEndAsync();
        Task<string> stderr = new StreamReader(child.Stderr!).ReadToEndAsync();
        Assert.Equal("x\n", await stdout);
        Assert.Equal("y\n", await stderr);
        await child.WaitAsync();
    }

    [Fact]
    public async Task Merged_stdout_and_stderr_keep_their_order()
    {
        var result = await Child("lines", "200").WithStderrMerged().OutputAsync();
        Assert.Equal(Enumerable.Range(1, 200).Select(i => $"line {i}"), result.StandardOutput.TrimEnd('\n').Split('\n'));
        Assert.Equal("", result.StandardError);
    }

    [Fact]
    public async Task Fifty_megabytes_on_both_stdout_and_stderr_are_captured_without_deadlock()
    {
        const int size = 50 * 1024 * 1024;
        var result = await Child("write-both", size.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .OutputBytesAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.Equal(size, result.StandardOutput.Length);
        Assert.Equal(size, result.StandardError.Length);
        Assert.Equal(Pattern(size), result.StandardOutput);
        Assert.Equal(Pattern(size), result.StandardError);
    }

    /// <summary>The helper's output pattern: byte k is '\n' when k % 64 == 63, else the hex digit of k % 64 % 16.</summary>
    private static byte[] Pattern(int size)
    {
        var bytes = new byte[size];
        for (int k = 0; k < size; k++) bytes[k] = k % 64 == 63 ? (byte)'\n' : (byte)"0123456789abcdef"[k % 64 % 16];
        return bytes;
    }

    [Fact]
    public async Task The_capture_limit_keeps_head_and_tail_with_a_marker()
    {
        var result = await new Command("sh", "-c", "seq 1 100000").WithCaptureLimit(1000).OutputAsync();
        string text = result.StandardOutput;
        Assert.StartsWith("1\n2\n3\n", text, StringComparison.Ordinal);
        Assert.EndsWith("99999\n100000\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\.\.\. \[\d+ bytes omitted\] \.\.\.", text);
        Assert.True(text.Length < 1100, $"captured {text.Length} characters");
    }

    [Fact]
    public async Task Extra_files_become_fd_3_and_4_and_nothing_else_leaks()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        File.WriteAllText(a, "");
        File.WriteAllText(b, "");
        using var fileA = File.OpenHandle(a, FileMode.Open, FileAccess.ReadWrite);
        using var fileB = File.OpenHandle(b, FileMode.Open, FileAccess.ReadWrite);
        // Things the test process holds that must not reach the child: a listening socket, an
        // open file, and an fd deliberately made inheritable (no close-on-exec).
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var held = File.OpenHandle(Path.Combine(_dir, "held"), FileMode.Create, FileAccess.Write);
        int inheritable = Native.Dup(held.DangerousGetHandle().ToInt32());
        try
        {
            // The helper lists the fds it inherited (those without close-on-exec, which the
            // runtime's own always have).
            var result = await Child("fds").WithExtraFiles(fileA, fileB).OutputAsync();
            string[] lines = result.StandardOutput.TrimEnd('\n').Split('\n');
            Assert.Equal([0, 1, 2, 3, 4], lines.Select(l => int.Parse(l.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal($"3 {a}", lines[3]);
            Assert.Equal($"4 {b}", lines[4]);
        }
        finally
        {
            Native.Close(inheritable);
        }
    }
}
