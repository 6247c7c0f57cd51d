using Spawn.Tests.Support;

namespace Spawn.Tests.Limits;

/// <summary>Limits a child sets on itself before exec: resource limits, nice value, CPU affinity (the Linux fast path).</summary>
public sealed class ProcessLimitTests(ITestOutputHelper output)
{
    private static void SkipUnlessFastPath()
    {
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone) Assert.Skip("per-process limits need the Linux fast path, which is not in use here");
    }

    [Fact]
    public async Task A_child_sees_its_resource_limits_nice_value_and_cpu_affinity()
    {
        SkipUnlessFastPath();
        var limits = new ResourceLimits { OpenFiles = 123, CpuSeconds = 77, AddressSpace = 3L << 30, CoreFileSize = 0, Nice = 7, CpuAffinity = [0] };
        BufferedCommandResult result = await new Command("sh", "-c",
                "echo nofile $(ulimit -n) $(ulimit -Hn); echo cpu $(ulimit -t); echo as $(ulimit -v); echo core $(ulimit -c); echo nice $(nice); grep Cpus_allowed_list /proc/self/status")
            .WithLimits(limits).OutputAsync();
        output.WriteLine(result.StandardOutput);
        string[] lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("nofile 123 123", lines[0]);
        Assert.Equal("cpu 77", lines[1]);
        Assert.Equal($"as {3L << 20}", lines[2]); // KiB
        Assert.Equal("core 0", lines[3]);
        Assert.Equal("nice 7", lines[4]);
        Assert.Equal("Cpus_allowed_list:\t0", lines[5]);
    }

    [Fact]
    public void A_process_started_with_limits_gets_them_and_our_own_are_unchanged()
    {
        SkipUnlessFastPath();
        string before = File.ReadAllText("/proc/self/limits");
        using var child = ProcessHandle.Start("/bin/sleep", ["sleep", "30"], new StartOptions { Limits = new ResourceLimits { OpenFiles = 50 } });
        try
        {
            string limits = File.ReadAllText($"/proc/{child.Pid}/limits");
            Assert.Matches(@"Max open files\s+50\s+50\s+files", limits);
        }
        finally
        {
            child.Kill();
            child.Wait();
        }
        Assert.Equal(before, File.ReadAllText("/proc/self/limits"));
    }

    [Fact]
    public async Task Using_up_the_cpu_seconds_ends_the_command_and_the_result_says_so()
    {
        SkipUnlessFastPath();
        // The timeout only guards against a limit that never acts: one CPU second is 20 s and more
        // of wall time when the 2-core machine runs 40 busy threads.
        Command command = new Command("sh", "-c", "while :; do :; done")
            .WithLimits(new ResourceLimits { CpuSeconds = 1 }).WithTimeout(TimeSpan.FromMinutes(5)).WithThrowOnFailure(false);
        CommandResult result = await command.RunAsync();
        output.WriteLine(result.ToString());
        Assert.False(result.TimedOut, "the CPU limit never ended the loop");
        Assert.Equal(Signals.SIGXCPU, result.State.Signal);
        Assert.Equal(LimitsReached.CpuTime, result.LimitsReached);

        var e = await Assert.ThrowsAsync<CommandFailedException>(() => command.WithThrowOnFailure(true).RunAsync());
        output.WriteLine(e.Message);
        Assert.Contains("CPU time limit reached: the kernel ended the command after 1 CPU seconds", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_process_limit_that_cannot_be_set_fails_the_start_and_says_which()
    {
        SkipUnlessFastPath();
        // Beyond fs.nr_open: refused even for root.
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/bin/true", ["true"], new StartOptions { Limits = new ResourceLimits { OpenFiles = long.MaxValue / 2 } }));
        Assert.Contains("resource limits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_portable_path_refuses_per_process_limits()
    {
        if (ProcessHandle.SpawnPath == SpawnPath.LinuxClone) Assert.Skip("the fast path is in use here: SPAWN_PORTABLE=1 runs this");
        var e = Assert.Throws<PlatformNotSupportedException>(() => ProcessHandle.Start("/bin/true", ["true"], new StartOptions { Limits = new ResourceLimits { OpenFiles = 64 } }));
        Assert.Contains("Limits", e.Message, StringComparison.Ordinal);
    }
}
