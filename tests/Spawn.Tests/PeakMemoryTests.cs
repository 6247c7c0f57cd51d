using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;
using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// Peak memory is the child's own or none: without <see cref="StartOptions.ExactPeakMemory"/> a figure
/// that may hold our own peak (folded in at exec) is null; with it, the child is started through
/// spawn-exec, its figure is exact, and it is set up exactly as without. Run in every mode by tests/run.sh.
/// Counts this process's fds and zombies, so it runs in the isolated collection.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class PeakMemoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-peak-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly StartOptions Exact = new() { ExactPeakMemory = true };

    /// <summary>Our own peak resident size (KiB): the test host is far larger than a small program.</summary>
    private static long OwnPeakKiB()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line[6..].Replace("kB", "", StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void SkipUnlessSpawnExecIsBuilt()
    {
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "spawn-exec")))
        {
            Assert.Skip("spawn-exec was not built here (no static C library?): ExactPeakMemory falls back to the ordinary start");
        }
    }

    [Fact]
    public void A_small_child_reports_no_peak_rather_than_ours()
    {
        Assert.True(OwnPeakKiB() > 8 * 1024, "the test host should be well above a small program's 1-2 MiB");
        using var child = ProcessHandle.Start("/bin/true", ["true"]);
        ProcessState state = child.Wait();
        Assert.Equal(ExitStatusSource.Reaped, state.Source);
        Assert.NotNull(state.UserTime);
        Assert.Null(state.MaxRssBytes);
    }

    [Fact]
    public async Task A_child_whose_peak_is_above_ours_reports_it()
    {
        // In a small process of its own: the test runner's peak depends on the tests run before.
        var outcome = await Spawn.Tests.Reliability.FaultHost.RunAsync(output, "inherited", "peak-above-ours");
        Assert.True(outcome.State.ExitCode == 0, $"{outcome.State}: {outcome.Text}");
    }

    [Fact]
    public void With_ExactPeakMemory_a_small_childs_own_peak_is_reported()
    {
        SkipUnlessSpawnExecIsBuilt();
        using var child = ProcessHandle.Start("/bin/true", ["true"], Exact);
        ProcessState state = child.Wait();
        Assert.Equal(0, state.ExitCode);
        Assert.NotNull(state.MaxRssBytes);
        // /bin/true's own peak is about 1 MiB; ours is tens of MiB.
        Assert.InRange(state.MaxRssBytes!.Value, 64 * 1024, 4 * 1024 * 1024);
    }

    [Fact]
    public void With_ExactPeakMemory_the_figure_matches_GNU_time_within_1_MiB()
    {
        SkipUnlessSpawnExecIsBuilt();
        if (!File.Exists("/usr/bin/time")) Assert.Skip("GNU time (/usr/bin/time, Debian package time) is not installed");
        foreach (string[] program in new[] { new[] { "/bin/true", "true" }, new[] { "/usr/bin/perl", "perl", "-e", "$x = 'a' x (100 * 1024 * 1024)" } })
        {
            using var child = ProcessHandle.Start(program[0], program[1..], Exact);
            long ours = child.Wait().MaxRssBytes!.Value;
            string gnu = ChildSetupTests.RunCapturingStderr("/usr/bin/time", ["time", "-f", "%M", .. program[1..]]);
            long gnuBytes = long.Parse(gnu.Trim().Split('\n')[^1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            Assert.InRange(ours, gnuBytes - 1048576, gnuBytes + 1048576);
        }
    }

    [Fact]
    public void With_ExactPeakMemory_the_child_is_ours_with_exactly_the_fds_it_was_given()
    {
        SkipUnlessSpawnExecIsBuilt();
        string path = Path.Combine(_dir, "extra");
        File.WriteAllText(path, "");
        using SafeFileHandle extra = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], new StartOptions { ExactPeakMemory = true, Stdout = pipe.SafePipeHandle, ExtraFiles = [extra] });
        try
        {
            Assert.True(child.IsChild);
            Assert.Contains(child.Pid, ProcessTable.Children());
            Assert.True(Fds.Eventually(() => File.ReadAllText($"/proc/{child.Pid}/comm").Trim() == "sleep" && File.ReadAllText($"/proc/{child.Pid}/wchan").Contains("nanosleep", StringComparison.Ordinal)), "the child never reached nanosleep");
            Assert.Equal([0, 1, 2, 3], Fds.Of(child.Pid));
            Assert.StartsWith("pipe:", new FileInfo($"/proc/{child.Pid}/fd/1").LinkTarget, StringComparison.Ordinal);
            Assert.Equal(path, new FileInfo($"/proc/{child.Pid}/fd/3").LinkTarget);
            // spawn-exec is gone (reaped), so the only child it left is this one.
            Assert.Empty(ProcessTable.Zombies());
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
    }

    [Fact]
    public void With_ExactPeakMemory_arguments_environment_directory_and_signals_are_as_without()
    {
        SkipUnlessSpawnExecIsBuilt();
        string script = "echo \"$0|$1|$A|$(pwd)\"; grep -E '^Sig(Ign|Blk)' /proc/self/status";
        var options = new StartOptions { ExactPeakMemory = true, Environment = ["A=value with space"], WorkingDirectory = "/usr" };
        string exact = ChildSetupTests.RunCapturingStdout("/bin/sh", ["sh", "-c", script, "zero", "one two"], options);
        Assert.StartsWith("zero|one two|value with space|/usr\n", exact, StringComparison.Ordinal);
        Assert.Contains("SigIgn:\t0000000000000000", exact);
        Assert.Contains("SigBlk:\t0000000000000000", exact);
    }

    [Fact]
    public void With_ExactPeakMemory_the_process_group_and_session_are_the_programs()
    {
        SkipUnlessSpawnExecIsBuilt();
        string Stat(bool session) => ChildSetupTests.RunCapturingStdout("/bin/sh", ["sh", "-c", "echo $$ $(ps -o ppid= -p $$) $(ps -o pgid= -p $$) $(ps -o sid= -p $$)"],
            new StartOptions { ExactPeakMemory = true, NewProcessGroup = !session, NewSession = session });
        string us = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        string[] group = Stat(session: false).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(us, group[1]);
        Assert.Equal(group[0], group[2]);
        Assert.NotEqual(group[0], group[3]);

        string[] session = Stat(session: true).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(us, session[1]);
        Assert.Equal(session[0], session[2]);
        Assert.Equal(session[0], session[3]);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("not executable")]
    [InlineData("directory")]
    [InlineData("unknown format")]
    [InlineData("missing working directory")]
    [InlineData("too large")]
    public void With_ExactPeakMemory_a_failed_start_throws_what_it_throws_without_and_leaves_nothing(string kind)
    {
        SkipUnlessSpawnExecIsBuilt();
        string file = Path.Combine(_dir, "file");
        string[] argv = ["x"];
        StartOptions plain = new();
        switch (kind)
        {
            case "missing": file = "/no/such/program"; break;
            case "not executable": File.WriteAllText(file, "text"); break;
            case "directory": file = _dir; break;
            case "unknown format":
                File.WriteAllBytes(file, [1, 2, 3, 4, 5, 6, 7, 8]);
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
                break;
            case "missing working directory": file = "/bin/true"; plain = new StartOptions { WorkingDirectory = "/no/such/directory" }; break;
            case "too large": file = "/bin/true"; argv = ["true", new string('x', 200_000)]; break;
        }
        StartOptions exact = new() { ExactPeakMemory = true, WorkingDirectory = plain.WorkingDirectory };

        var without = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start(file, argv, plain));
        IReadOnlyDictionary<int, string> fdsBefore = Fds.Table();
        var with = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start(file, argv, exact));
        Assert.Equal(without.ErrorName, with.ErrorName);
        Assert.Equal(without.Message, with.Message);
        Assert.Equal(file, with.Path);
        Assert.True(Fds.NoneOpenedSince(fdsBefore, out string opened), $"a failing start left open: {opened}");
        Assert.Empty(ProcessTable.Zombies());
    }

    [Fact]
    public async Task With_ExactPeakMemory_a_tree_contains_the_program()
    {
        TreeAvailability.SkipUnlessTreesWork();
        SkipUnlessSpawnExecIsBuilt();
        var command = new Command("sleep", "30").WithProcessTree().WithExactPeakMemory().WithExitCodeValidation(false);
        await using ChildProcess child = command.Start();
        string cgroup = child.Tree!.CgroupPath;
        Assert.Equal([child.Pid], child.Tree.ProcessIds);
        Assert.EndsWith(File.ReadAllText($"/proc/{child.Pid}/cgroup").Trim().Split("::")[^1], cgroup, StringComparison.Ordinal);
        child.Handle.Kill();
        CommandResult result = await child.WaitAsync();
        Assert.Equal(Signals.SIGKILL, result.State.Signal);
        Assert.NotNull(result.State.MaxRssBytes);
    }

    [Fact]
    public async Task Command_WithExactPeakMemory_reports_a_small_programs_peak()
    {
        SkipUnlessSpawnExecIsBuilt();
        CommandResult result = await new Command("true").WithExactPeakMemory().RunAsync();
        Assert.InRange(result.State.MaxRssBytes!.Value, 64 * 1024, 4 * 1024 * 1024);
        CommandResult plain = await new Command("true").RunAsync();
        Assert.Null(plain.State.MaxRssBytes);
    }
}
