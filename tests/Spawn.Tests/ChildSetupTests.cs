using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using Spawn.Tests.Support;

namespace Spawn.Tests;

public sealed class ChildSetupTests
{
    /// <summary>Starts /bin/sleep (which opens no descriptors of its own) and lists its fds from outside.</summary>
    private static (int Fd, string Target)[] FdsOfSleepingChild(StartOptions options)
    {
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], options);
        try
        {
            // Wait until sleep really sleeps: right after exec the dynamic loader still has
            // ld.so.cache and the libraries open for a moment.
            Assert.True(Fds.Eventually(() => ReadOrEmpty($"/proc/{child.Pid}/wchan").Contains("nanosleep", StringComparison.Ordinal)), "the child never reached nanosleep");
            return [.. Fds.Of(child.Pid).Select(fd => (fd, new FileInfo($"/proc/{child.Pid}/fd/{fd}").LinkTarget ?? ""))];
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public void The_child_gets_exactly_fds_0_1_2_even_when_we_hold_inheritable_ones()
    {
        // A descriptor without close-on-exec (dup() does not set it): other native code could make such fds.
        int leaky = Native.Dup(0);
        using var file = File.OpenHandle(Path.GetTempFileName(), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.DeleteOnClose);
        try
        {
            var fds = FdsOfSleepingChild(new StartOptions());
            string table = string.Join(", ", fds.Select(f => $"{f.Fd} -> {f.Target}"));
            Assert.True(fds.Select(f => f.Fd).SequenceEqual([0, 1, 2]), table);
            Assert.True(fds.All(f => f.Target == "/dev/null"), table);
        }
        finally
        {
            Native.Close(leaky);
        }
    }

    [Fact]
    public void Extra_files_become_fd_3_and_4_and_nothing_else_leaks()
    {
        string pathA = Path.GetTempFileName(), pathB = Path.GetTempFileName();
        using SafeFileHandle a = File.OpenHandle(pathA, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.DeleteOnClose);
        using SafeFileHandle b = File.OpenHandle(pathB, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, FileOptions.DeleteOnClose);
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        int leaky = Native.Dup(1);
        try
        {
            var fds = FdsOfSleepingChild(new StartOptions { Stdout = pipe.SafePipeHandle, ExtraFiles = [a, b] });
            Assert.Equal([0, 1, 2, 3, 4], fds.Select(f => f.Fd));
            Assert.StartsWith("pipe:", fds[1].Target, StringComparison.Ordinal);
            Assert.StartsWith(pathA, fds[3].Target, StringComparison.Ordinal);
            Assert.StartsWith(pathB, fds[4].Target, StringComparison.Ordinal);
        }
        finally
        {
            Native.Close(leaky);
        }
    }

    [Fact]
    public void Fds_already_in_the_low_range_are_moved_without_clobbering_each_other()
    {
        // Our own fd 0, 1, 2 given crosswise: child 0 <- our 2, child 1 <- our 0, child 2 <- our 1.
        using var in0 = new SafeFileHandle(0, ownsHandle: false);
        using var out1 = new SafeFileHandle(1, ownsHandle: false);
        using var err2 = new SafeFileHandle(2, ownsHandle: false);
        string Target(int fd) => new FileInfo($"/proc/self/fd/{fd}").LinkTarget ?? "";
        var fds = FdsOfSleepingChild(new StartOptions { Stdin = err2, Stdout = in0, Stderr = out1 });
        Assert.Equal([0, 1, 2], fds.Select(f => f.Fd));
        Assert.Equal(Target(2), fds[0].Target);
        Assert.Equal(Target(0), fds[1].Target);
        Assert.Equal(Target(1), fds[2].Target);
    }

    [Fact]
    public void Arguments_reach_the_child_unchanged()
    {
        string[] args = ["with space", "\"quoted\"", "'single'", "", "$HOME", "ünïcödé", "back\\slash"];
        string output = RunCapturingStdout(ChildProgram.Path, ChildProgram.Argv(["print-args", .. args]), null);
        Assert.Equal(args.Select((a, i) => $"{i}:{a}"), output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Environment_is_exactly_what_was_given()
    {
        string output = RunCapturingStdout("/usr/bin/env", ["env"], new StartOptions { Environment = ["A=1", "B=two words"] });
        Assert.Equal(["A=1", "B=two words"], output.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void Null_environment_inherits_ours_as_dotnet_sees_it()
    {
        Environment.SetEnvironmentVariable("SPAWN_TEST_INHERITED", "yes");
        try
        {
            string output = RunCapturingStdout("/usr/bin/env", ["env"], null);
            Assert.Contains("SPAWN_TEST_INHERITED=yes", output.Split('\n'));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SPAWN_TEST_INHERITED", null);
        }
    }

    [Fact]
    public void Working_directory_is_set_and_relative_paths_resolve_against_it()
    {
        string output = RunCapturingStdout("/bin/pwd", ["pwd"], new StartOptions { WorkingDirectory = "/usr" });
        Assert.Equal("/usr\n", output);
        string relative = RunCapturingStdout("bin/pwd", ["pwd"], new StartOptions { WorkingDirectory = "/" });
        Assert.Equal("/\n", relative);
    }

    [Fact]
    public void New_process_group_and_new_session()
    {
        string Stat(StartOptions options) =>
            RunCapturingStdout("/bin/sh", ["sh", "-c", "echo $$ $(ps -o pgid= -p $$) $(ps -o sid= -p $$)"], options);

        string[] group = Stat(new StartOptions { NewProcessGroup = true }).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(group[0], group[1]);
        Assert.NotEqual(group[0], group[2]);

        string[] session = Stat(new StartOptions { NewSession = true }).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(session[0], session[1]);
        Assert.Equal(session[0], session[2]);
    }

    [Fact]
    public void Signals_ignored_by_dotnet_are_default_in_the_child()
    {
        // .NET ignores SIGPIPE; a child must not inherit that, or `yes | head` would loop on EPIPE.
        string output = RunCapturingStdout("/bin/sh", ["sh", "-c", "grep -E '^Sig(Ign|Blk)' /proc/self/status"], null);
        Assert.Contains("SigIgn:\t0000000000000000", output);
        Assert.Contains("SigBlk:\t0000000000000000", output);
    }

    /// <summary>Runs a program with stdout on a pipe and returns what it wrote.</summary>
    internal static string RunCapturingStdout(string path, string[] argv, StartOptions? options) => RunCapturing(path, argv, options, stderr: false);

    /// <summary>Runs a program with stderr on a pipe and returns what it wrote there.</summary>
    internal static string RunCapturingStderr(string path, string[] argv, StartOptions? options = null) => RunCapturing(path, argv, options, stderr: true);

    private static string RunCapturing(string path, string[] argv, StartOptions? options, bool stderr)
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        ProcessHandle child;
        using (var writeEnd = pipe.ClientSafePipeHandle)
        {
            child = ProcessHandle.Start(path, argv, new StartOptions
            {
                Stdout = stderr ? null : writeEnd,
                Stderr = stderr ? writeEnd : null,
                Environment = options?.Environment,
                WorkingDirectory = options?.WorkingDirectory,
                NewProcessGroup = options?.NewProcessGroup ?? false,
                NewSession = options?.NewSession ?? false,
                ExactPeakMemory = options?.ExactPeakMemory ?? false,
            });
        }
        pipe.DisposeLocalCopyOfClientHandle();
        using (child)
        {
            string text = new StreamReader(pipe).ReadToEnd();
            Assert.Equal(0, child.Wait().ExitCode);
            return text;
        }
    }
}
