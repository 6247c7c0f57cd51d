using System.Security.Cryptography;
using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

public sealed class PipelineTests
{
    [Fact]
    public async Task Pipefail_reports_the_rightmost_failure_and_every_members_state()
    {
        var pipeline = new Command("true") | new Command("false") | new Command("true");
        var e = await Assert.ThrowsAsync<PipelineFailedException>(() => pipeline.RunAsync());
        Assert.Equal(1, e.Result.ExitCode);
        Assert.Equal([0, 1, 0], e.Result.Members.Select(m => m.ExitCode));
        Assert.Same(e.Result.Members[1], e.Result.Deciding);

        var second = await (new Command("false") | new Command("true").WithExitCodeValidation(false)).RunAsync();
        Assert.Equal(1, second.ExitCode);
        Assert.False(second.Success);
        Assert.Equal([1, 0], second.Members.Select(m => m.ExitCode));
    }

    [Fact]
    public async Task Output_flows_through_every_member()
    {
        var (result, stdout, _) = await (new Command("printf", "b\\na\\nc\\na\\n") | new Command("sort") | new Command("uniq", "-c")).OutputAsync();
        Assert.True(result.Success);
        Assert.Equal(["2 a", "1 b", "1 c"], stdout.TrimEnd('\n').Split('\n').Select(l => l.Trim()));
        Assert.Equal("printf 'b\\na\\nc\\na\\n' | sort | uniq -c", result.Pipeline.ToString());
    }

    [Fact]
    public async Task Stdin_of_the_first_takes_every_input_option()
    {
        var (_, stdout, _) = await (new Command("tr", "a-z", "A-Z").WithStdin(InputSource.FromString("hello")) | new Command("rev")).OutputAsync();
        Assert.Equal("OLLEH", stdout.TrimEnd('\n')); // rev adds a newline only in some versions
    }

    [Fact]
    public async Task Cancelling_a_pipeline_whose_members_block_ends_all_of_them()
    {
        using var cts = new CancellationTokenSource();
        await using PipelineProcess process = (new Command("sleep", "30") | new Command("sleep", "30") | new Command("sleep", "30")).Start(cts.Token);
        int[] pids = [.. process.Members.Select(m => m.Pid)];
        cts.CancelAfter(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => process.WaitAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.All(process.Members, m => Assert.Equal(Signals.SIGTERM, m.Handle.Wait().Signal));
        Assert.All(pids, pid => Assert.Null(Native.ProcState(pid)));
    }

    [Fact]
    public void A_failing_member_start_kills_the_started_ones_and_leaks_nothing()
    {
        var pipeline = new Command("sleep", "30") | new Command("no-such-program-in-a-pipeline");
        Assert.Throws<ProcessStartException>(() => pipeline.Start());
    }
}

/// <summary>Measures this process's CPU time, so it runs in the isolated collection.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class PipelineThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_hundred_megabytes_through_three_commands_come_out_right_without_passing_through_us()
    {
        const int size = 200 * 1024 * 1024;
        var digest = new System.Text.StringBuilder();
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        long bytesBefore = BytesThroughSyscalls();
        var pipeline = new Command("head", "-c", size.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero")
            | new Command("tr", "\\0", "a")
            | new Command("sha256sum").WithStdout(OutputTarget.ToStringBuilder(digest));
        await using (PipelineProcess process = pipeline.Start())
        {
            // Evidence one: the pipes between members join the children directly; we hold no end.
            string firstOut = new FileInfo($"/proc/{process.Members[0].Pid}/fd/1").LinkTarget!;
            string secondIn = new FileInfo($"/proc/{process.Members[1].Pid}/fd/0").LinkTarget!;
            Assert.StartsWith("pipe:", firstOut, StringComparison.Ordinal);
            Assert.Equal(firstOut, secondIn);
            Assert.DoesNotContain(Fds.Of(Environment.ProcessId), fd => new FileInfo($"/proc/self/fd/{fd}").LinkTarget == firstOut);
            Assert.True((await process.WaitAsync()).Success);
        }
        TimeSpan cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        long bytesMoved = BytesThroughSyscalls() - bytesBefore;

        // Evidence two: every byte this process reads or writes through system calls is counted
        // by the kernel (/proc/self/io rchar + wchar). Relaying 200 MiB would add 400 MiB or more.
        output.WriteLine($"200 MiB through 3 commands; this process read+wrote {bytesMoved} bytes and used {cpu.TotalMilliseconds:0} ms of CPU");
        Assert.True(bytesMoved < 16 * 1024 * 1024, $"this process moved {bytesMoved} bytes while 200 MiB went through the pipeline");

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[1 << 20];
        Array.Fill(chunk, (byte)'a');
        for (int i = 0; i < size / chunk.Length; i++) sha.AppendData(chunk);
        Assert.Equal(Convert.ToHexStringLower(sha.GetHashAndReset()) + "  -\n", digest.ToString());
    }

    /// <summary>
    /// Bytes our threads read and wrote through system calls (rchar + wchar of each thread). The
    /// per-thread figures leave out reaped children, which the process-wide /proc/self/io adds in.
    /// </summary>
    private static long BytesThroughSyscalls()
    {
        long total = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                foreach (string line in File.ReadLines(Path.Combine(task, "io")))
                {
                    if (line.StartsWith("rchar:", StringComparison.Ordinal) || line.StartsWith("wchar:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[6..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return total;
    }
}
