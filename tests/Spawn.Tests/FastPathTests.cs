using System.Globalization;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Tests.Support;

namespace Spawn.Tests;

/// <summary>
/// The Linux fast path (clone3 with CLONE_PIDFD, close_range in the child) and the options only it supports. The rest of the suite runs on
/// whichever path is active, so tests/run.sh covers both (SPAWN_PORTABLE=1 forces the portable one).
/// </summary>
public sealed class FastPathTests(ITestOutputHelper output)
{
    private static bool FastPath => ProcessHandle.SpawnPath == SpawnPath.LinuxClone;

    [Fact]
    public void The_fast_path_is_used_where_its_library_was_built_unless_SPAWN_PORTABLE_is_set()
    {
        bool built = File.Exists(Path.Combine(AppContext.BaseDirectory, "libspawn_native.so"));
        bool forcedPortable = Environment.GetEnvironmentVariable("SPAWN_PORTABLE") == "1";
        output.WriteLine($"libspawn_native.so built: {built}; SPAWN_PORTABLE=1: {forcedPortable}; path: {ProcessHandle.SpawnPath}");
        Assert.Equal(built && !forcedPortable, FastPath);
    }

    [Theory]
    [InlineData(nameof(StartOptions.CgroupPath))]
    [InlineData(nameof(StartOptions.UserId))]
    [InlineData(nameof(StartOptions.GroupId))]
    [InlineData(nameof(StartOptions.SupplementaryGroups))]
    [InlineData(nameof(StartOptions.ParentDeathSignal))]
    public void Options_only_the_fast_path_supports_are_refused_on_the_portable_path(string option)
    {
        if (FastPath)
        {
            Assert.Skip("the fast path is active; this test is for the portable path (SPAWN_PORTABLE=1).");
        }
        var options = option switch
        {
            nameof(StartOptions.CgroupPath) => new StartOptions { CgroupPath = "/sys/fs/cgroup" },
            nameof(StartOptions.UserId) => new StartOptions { UserId = 65534 },
            nameof(StartOptions.GroupId) => new StartOptions { GroupId = 65534 },
            nameof(StartOptions.SupplementaryGroups) => new StartOptions { SupplementaryGroups = [] },
            _ => new StartOptions { ParentDeathSignal = Signals.SIGTERM },
        };
        var e = Assert.Throws<PlatformNotSupportedException>(() => ProcessHandle.Start("/bin/true", ["true"], options));
        Assert.Contains(option, e.Message);
        Assert.Contains("fast path", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65)]
    [InlineData(-1)]
    public void A_parent_death_signal_outside_1_to_64_is_an_argument_error(int signal)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ProcessHandle.Start("/bin/true", ["true"], new StartOptions { ParentDeathSignal = signal }));
    }

    [Fact]
    public void A_missing_cgroup_is_a_start_error_naming_it()
    {
        if (!FastPath)
        {
            Assert.Skip("needs the fast path (this run uses the portable one).");
        }
        var e = Assert.Throws<ProcessStartException>(() =>
            ProcessHandle.Start("/bin/true", ["true"], new StartOptions { CgroupPath = "/no/such/cgroup" }));
        Assert.Equal("ENOENT", e.ErrorName);
        Assert.Contains("/no/such/cgroup", e.Message);
    }

    [Fact]
    public void A_source_fd_far_above_the_others_still_reaches_the_child()
    {
        // The fast path copies fds 0..highest source; a source at 4000+ must still arrive, and
        // nothing between it and fd 3 may come along.
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        int high = Native.Fcntl((int)pipe.ClientSafePipeHandle.DangerousGetHandle(), F_DUPFD_CLOEXEC, 4000);
        Assert.True(high >= 4000, $"F_DUPFD_CLOEXEC failed: errno {Marshal.GetLastPInvokeError()}");
        ProcessHandle child;
        using (var writeEnd = new SafeFileHandle(high, ownsHandle: true))
        {
            child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "echo hi; ls /proc/self/fd"], new StartOptions { Stdout = writeEnd });
        }
        pipe.DisposeLocalCopyOfClientHandle();
        using (child)
        {
            string text = new StreamReader(pipe).ReadToEnd();
            Assert.Equal(0, child.Wait().ExitCode);
            // ls lists 0 1 2 and its own directory fd (3).
            Assert.Equal(["hi", "0", "1", "2", "3"], text.TrimEnd('\n').Split('\n'));
        }
    }

    [Fact]
    public void A_child_started_as_nobody_reports_uid_65534()
    {
        SkipUnlessFastPathAsRoot();
        string text = RunCapturingStdout("/bin/sh", ["sh", "-c", "id -u; id -g; id -G"],
            stdout => new StartOptions { Stdout = stdout, UserId = 65534, GroupId = 65534, WorkingDirectory = "/" });
        // Without SupplementaryGroups a child of another user keeps none of ours (root's group 0).
        Assert.Equal("65534\n65534\n65534\n", text);
    }

    [Fact]
    public void Supplementary_groups_are_exactly_those_given()
    {
        SkipUnlessFastPathAsRoot();
        string text = RunCapturingStdout("/bin/sh", ["sh", "-c", "id -u; id -G"],
            stdout => new StartOptions { Stdout = stdout, UserId = 65534, GroupId = 65534, SupplementaryGroups = [100, 200], WorkingDirectory = "/" });
        Assert.Equal("65534\n65534 100 200\n", text);
    }

    [Fact]
    public void A_child_in_a_new_cgroup_that_forks_at_once_has_every_descendant_in_it()
    {
        SkipUnlessFastPathAsRoot();
        var cgroupV2 = CgroupV2();
        if (cgroupV2 is null) Assert.Skip("no cgroup v2 hierarchy is mounted (no cgroup2 line in /proc/self/mountinfo).");
        (string mount, string root) = cgroupV2.Value;
        string name = $"spawn-test-{Guid.NewGuid():N}";
        string directory = Path.Combine(mount, name);
        Directory.CreateDirectory(directory);
        try
        {
            // The shell forks its two sleeps right away; placed after the start, they could escape.
            using var child = ProcessHandle.Start("/bin/sh", ["sh", "-c", "sleep 60 & sleep 60 & wait"], new StartOptions { CgroupPath = directory });
            try
            {
                int[] descendants = [];
                Assert.True(Fds.Eventually(() => (descendants = ChildrenOf(child.Pid)).Length == 2), $"the shell has children {string.Join(' ', descendants)}");
                string expected = $"0::{root.TrimEnd('/')}/{name}";
                foreach (int pid in (int[])[child.Pid, .. descendants])
                {
                    Assert.Contains(expected, File.ReadAllLines($"/proc/{pid}/cgroup"));
                }
                int[] members = [.. File.ReadAllLines(Path.Combine(directory, "cgroup.procs")).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).Order()];
                Assert.Equal([.. ((int[])[child.Pid, .. descendants]).Order()], members);
                output.WriteLine($"{directory}: {string.Join(' ', members)}");
            }
            finally
            {
                KillAll(directory);
                child.Kill();
                child.Wait();
            }
        }
        finally
        {
            // rmdir: a cgroup directory is removed empty of processes, its control files and all.
            Assert.True(Fds.Eventually(() => File.ReadAllText(Path.Combine(directory, "cgroup.procs")).Length == 0), "the cgroup did not empty");
            Directory.Delete(directory);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_child_with_a_parent_death_signal_dies_when_the_process_that_started_it_dies(bool exactPeakMemory)
    {
        if (!FastPath)
        {
            Assert.Skip("needs the fast path (this run uses the portable one).");
        }
        // The intermediate process (tests/Spawn.TestHost) starts sleep with SIGKILL as its
        // parent-death signal, says its pid, and sleeps until we kill it.
        string host = Path.Combine(AppContext.BaseDirectory, "Spawn.TestHost");
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        ProcessHandle parent;
        using (var writeEnd = pipe.ClientSafePipeHandle)
        {
            parent = ProcessHandle.Start(host, [host, exactPeakMemory ? "parent-death-exact" : "parent-death", "9", "/bin/sleep", "60"], new StartOptions { Stdout = writeEnd, Stderr = writeEnd });
        }
        pipe.DisposeLocalCopyOfClientHandle();
        int grandchild = 0;
        try
        {
            using var reader = new StreamReader(pipe);
            string? line = reader.ReadLine();
            Assert.True(line is not null && line.StartsWith("pid ", StringComparison.Ordinal), $"Spawn.TestHost said: {line}");
            grandchild = int.Parse(line.AsSpan(4), CultureInfo.InvariantCulture);
            Assert.Equal("path LinuxClone", reader.ReadLine());
            // Alive in any state but a zombie (a process just started may be paging its program in, D).
            char? state = Native.ProcState(grandchild);
            Assert.True(state is not (null or 'Z' or 'X' or 'x'), $"the grandchild is not running (state {state})");

            Assert.True(parent.Kill());
            Assert.Equal(Signals.SIGKILL, parent.Wait().Signal);
            // It was reparented; whoever reaps it now, it must be dead (gone, or a zombie).
            Assert.True(Fds.Eventually(() => Native.ProcState(grandchild) is null or 'Z', seconds: 30), $"process {grandchild} still runs after its parent died");
        }
        finally
        {
            parent.Kill();
            parent.Wait();
            parent.Dispose();
            if (grandchild > 0 && Native.ProcState(grandchild) is not (null or 'Z'))
            {
                using var leftover = ProcessHandle.Find(grandchild);
                leftover.Kill();
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_parent_death_signal_does_not_come_when_only_the_starting_thread_ends(bool exactPeakMemory)
    {
        if (!FastPath)
        {
            Assert.Skip("needs the fast path (this run uses the portable one).");
        }
        // Linux sends it when the creating *thread* exits; Spawn clones such children from a thread
        // that lives as long as the process, so a short-lived caller thread must not matter.
        ProcessHandle? child = null;
        var thread = new Thread(() => child = ProcessHandle.Start("/bin/sleep", ["sleep", "60"], new StartOptions { ParentDeathSignal = Signals.SIGKILL, ExactPeakMemory = exactPeakMemory }));
        thread.Start();
        thread.Join();
        Assert.NotNull(child);
        using (child)
        {
            Thread.Sleep(300);
            Assert.False(child.HasExited, $"the child ended: {child}");
            Assert.True(child.Kill());
            Assert.Equal(Signals.SIGKILL, child.Wait().Signal);
        }
    }

    private const int F_DUPFD_CLOEXEC = 1030;

    private void SkipUnlessFastPathAsRoot()
    {
        if (!FastPath)
        {
            Assert.Skip("needs the fast path (this run uses the portable one).");
        }
        if (!Native.IsRoot)
        {
            Assert.Skip("needs root (CAP_SETUID, CAP_SETGID, a writable cgroup hierarchy).");
        }
    }

    /// <summary>The cgroup v2 mount point and the cgroup path its root stands for, from /proc/self/mountinfo.</summary>
    private static (string Mount, string Root)? CgroupV2()
    {
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS"
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (separator > 0 && separator + 1 < fields.Length && fields[separator + 1] == "cgroup2") return (fields[4], fields[3]);
        }
        return null;
    }

    private static int[] ChildrenOf(int pid)
    {
        try
        {
            return [.. File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture))];
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static void KillAll(string cgroup)
    {
        string kill = Path.Combine(cgroup, "cgroup.kill"); // Linux 5.14+
        if (File.Exists(kill))
        {
            File.WriteAllText(kill, "1");
            return;
        }
        foreach (string pid in File.ReadAllLines(Path.Combine(cgroup, "cgroup.procs")))
        {
            using var process = ProcessHandle.Find(int.Parse(pid, CultureInfo.InvariantCulture));
            process.Kill();
        }
    }

    private static string RunCapturingStdout(string path, string[] argv, Func<SafeHandle, StartOptions> options)
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        ProcessHandle child;
        using (var writeEnd = pipe.ClientSafePipeHandle)
        {
            child = ProcessHandle.Start(path, argv, options(writeEnd));
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
