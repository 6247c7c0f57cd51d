using System.Diagnostics.Metrics;
using Spawn.Tests.Support;

namespace Spawn.Tests.Observability;

/// <summary>
/// Every instrument of the "Spawn" meter, heard through a <see cref="MeterListener"/> as
/// OpenTelemetry hears it. The counts are exact, so these tests run in the isolated collection:
/// a MeterListener hears the whole process, and no other test starts a child beside them.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class MetricsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-metrics-").FullName;
    private readonly MetricRecorder _metrics = new();

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static string SpawnPathName => ProcessHandle.SpawnPath switch
    {
        SpawnPath.LinuxClone => "linux_clone",
        SpawnPath.PidfdSpawn => "pidfd_spawn",
        _ => "posix_spawn",
    };

    [Fact]
    public void The_meter_named_Spawn_publishes_every_instrument_with_its_kind_and_unit()
    {
        using var child = ProcessHandle.Start("/bin/true", ["true"]); // the meter exists once Spawn is used
        child.Wait();
        var expected = new Dictionary<string, (Type Kind, string Unit)>
        {
            ["spawn.process.starts"] = (typeof(Counter<long>), "{process}"),
            ["spawn.process.start_failures"] = (typeof(Counter<long>), "{process}"),
            ["spawn.process.start.duration"] = (typeof(Histogram<double>), "s"),
            ["spawn.process.exits"] = (typeof(Counter<long>), "{process}"),
            ["spawn.process.duration"] = (typeof(Histogram<double>), "s"),
            ["spawn.process.cpu.time"] = (typeof(Counter<double>), "s"),
            ["spawn.process.memory.peak"] = (typeof(Histogram<long>), "By"),
            ["spawn.process.count"] = (typeof(ObservableUpDownCounter<long>), "{process}"),
            ["spawn.output.captured"] = (typeof(Counter<long>), "By"),
        };
        Assert.Equal(expected.Keys.Order(), _metrics.Instruments.Keys.Order());
        foreach (var (name, (kind, unit)) in expected)
        {
            Instrument instrument = _metrics.Instruments[name];
            Assert.IsType(kind, instrument);
            Assert.Equal(unit, instrument.Unit);
            Assert.False(string.IsNullOrEmpty(instrument.Description), name);
            Assert.Equal(typeof(ProcessHandle).Assembly.GetName().Version?.ToString(), instrument.Meter.Version);
        }
        // Histograms advise their buckets: the SDK's defaults suit milliseconds, not seconds or bytes.
        Assert.Contains(0.001, ((Histogram<double>)_metrics.Instruments["spawn.process.start.duration"]).Advice!.HistogramBucketBoundaries!);
        Assert.Contains(60, ((Histogram<double>)_metrics.Instruments["spawn.process.duration"]).Advice!.HistogramBucketBoundaries!);
        Assert.Contains(1L << 30, ((Histogram<long>)_metrics.Instruments["spawn.process.memory.peak"]).Advice!.HistogramBucketBoundaries!);
    }

    [Fact]
    public void A_start_is_counted_and_timed_under_its_spawn_path()
    {
        for (int i = 0; i < 3; i++)
        {
            using var child = ProcessHandle.Start("/bin/true", ["true"]);
            child.Wait();
        }
        Assert.Equal(3, _metrics.Sum("spawn.process.starts"));
        Assert.Equal(3, _metrics.Sum("spawn.process.starts", "spawn.path", SpawnPathName));
        List<Measured> latencies = _metrics.Of("spawn.process.start.duration", "spawn.path", SpawnPathName);
        Assert.Equal(3, latencies.Count);
        Assert.All(latencies, m => Assert.InRange(m.Value, 1e-7, 60));
    }

    [Fact]
    public void A_start_failure_is_counted_once_by_its_errno_whichever_layer_started_it()
    {
        Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/no/such/program", ["x"]));
        Assert.Equal(1, _metrics.Sum("spawn.process.start_failures", "error.type", "ENOENT"));

        // Found nowhere in PATH: the command fails before any spawn.
        Assert.Throws<ProcessStartException>(() => new Command("no-such-program-" + Guid.NewGuid().ToString("N")).Run());
        Assert.Equal(2, _metrics.Sum("spawn.process.start_failures", "error.type", "ENOENT"));

        // Failed in the spawn a command made: counted by the command, not a second time by the handle.
        string garbage = Path.Combine(_dir, "garbage");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8]);
        File.SetUnixFileMode(garbage, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        Assert.Throws<ProcessStartException>(() => new Command(garbage).Run());
        Assert.Equal(1, _metrics.Sum("spawn.process.start_failures", "error.type", "ENOEXEC"));

        Assert.Equal(3, _metrics.Sum("spawn.process.start_failures"));
        Assert.Equal(0, _metrics.Sum("spawn.process.starts"));
    }

    [Fact]
    public void A_childs_exit_is_counted_by_outcome_with_how_long_it_ran()
    {
        using (var ok = ProcessHandle.Start("/bin/sleep", ["sleep", "0.3"])) Assert.True(ok.Wait().Success);
        using (var failed = ProcessHandle.Start("/bin/sh", ["sh", "-c", "exit 3"])) Assert.Equal(3, failed.Wait().ExitCode);
        using (var killed = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]))
        {
            killed.Kill();
            Assert.Equal(Signals.SIGKILL, killed.Wait().Signal);
        }

        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "success"));
        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "non_zero"));
        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "signal"));
        Assert.Equal(3, _metrics.Sum("spawn.process.exits"));
        Measured ran = Assert.Single(_metrics.Of("spawn.process.duration", "spawn.outcome", "success"));
        Assert.InRange(ran.Value, 0.29, 60);
        Assert.Equal(3, _metrics.Of("spawn.process.duration").Count);
    }

    [Fact]
    public async Task A_commands_exit_is_counted_once_with_the_outcome_of_its_run()
    {
        Command sleeper = new Command("sleep", "30").WithThrowOnFailure(false).WithCancelSignal(Signals.SIGKILL, TimeSpan.Zero);

        CommandResult timedOut = await sleeper.WithTimeout(TimeSpan.FromMilliseconds(300)).RunAsync();
        Assert.Equal(CommandOutcome.TimedOut, timedOut.Outcome);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.Equal(CommandOutcome.Canceled, (await sleeper.RunAsync(cts.Token)).Outcome);
        }
        Assert.Equal(CommandOutcome.Signaled, (await new Command("sh", "-c", "kill -KILL $$").WithThrowOnFailure(false).RunAsync()).Outcome);
        await Assert.ThrowsAsync<CommandFailedException>(() => new Command("sh", "-c", "exit 4").RunAsync());
        await new Command("true").RunAsync();

        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "timeout"));
        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "canceled"));
        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "signal")); // the kill -KILL only: a cancelled child is not also counted as killed
        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "non_zero"));
        Assert.Equal(1, _metrics.Sum("spawn.process.exits", "spawn.outcome", "success"));
        Assert.Equal(5, _metrics.Sum("spawn.process.exits"));
        Measured ran = Assert.Single(_metrics.Of("spawn.process.duration", "spawn.outcome", "timeout"));
        Assert.Equal(timedOut.RunTime.TotalSeconds, ran.Value, 6);
    }

    [Fact]
    public async Task Cpu_time_and_peak_memory_of_reaped_children_are_recorded()
    {
        ProcessState state;
        using (var child = ChildProgram.Start("burn", "0.2")) state = child.Wait();
        CommandResult run = await new Command(ChildProgram.Path, "burn", "0.1").RunAsync();

        foreach (ProcessState reaped in new[] { state, run.State })
        {
            Assert.Contains(_metrics.Of("spawn.process.cpu.time", "cpu.mode", "user"), m => m.Value == reaped.UserTime!.Value.TotalSeconds);
            Assert.Contains(_metrics.Of("spawn.process.cpu.time", "cpu.mode", "system"), m => m.Value == reaped.SystemTime!.Value.TotalSeconds);
            // Only a figure Spawn knows is recorded: a null peak is no measurement, never 0.
            if (reaped.MaxRssBytes is long peak) Assert.Contains(_metrics.Of("spawn.process.memory.peak"), m => m.Value == peak);
        }
        Assert.True(_metrics.Sum("spawn.process.cpu.time") >= 0.25, "the children burned 0.3 s of CPU between them");
        Assert.Equal(2, _metrics.Of("spawn.process.cpu.time", "cpu.mode", "user").Count);
        Assert.Equal(new[] { state, run.State }.Count(s => s.MaxRssBytes is not null), _metrics.Of("spawn.process.memory.peak").Count);
        Assert.DoesNotContain(_metrics.Of("spawn.process.memory.peak"), m => m.Value <= 0);
    }

    [Fact]
    public void Live_children_are_observed_until_they_are_reaped()
    {
        using var first = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        using var second = ProcessHandle.Start("/bin/sleep", ["sleep", "30"]);
        double during = _metrics.Observe("spawn.process.count");
        first.Kill();
        second.Kill();
        first.Wait();
        second.Wait();
        double after = _metrics.Observe("spawn.process.count");

        // Exact differences: nothing else starts a child meanwhile, and a child of an earlier test
        // reaped meanwhile only lowers "after".
        Assert.True(during >= 2, $"{during} live during");
        Assert.True(during - after >= 2, $"{during} live during, {after} after");
        Assert.True(after >= 0, $"{after} live after");
    }

    [Fact]
    public async Task Bytes_captured_are_counted_per_stream_and_pipes_the_caller_reads_are_not()
    {
        BufferedCommandResult both = await new Command("sh", "-c", "printf 12345; printf abc >&2").OutputAsync();
        Assert.Equal(("12345", "abc"), (both.StandardOutput, both.StandardError));
        Assert.Equal(5, _metrics.Sum("spawn.output.captured", "spawn.stream", "stdout"));
        Assert.Equal(3, _metrics.Sum("spawn.output.captured", "spawn.stream", "stderr"));

        await new Command("sh", "-c", "printf 12345; printf abc >&2").WithStderrMerged().OutputAsync();
        Assert.Equal(13, _metrics.Sum("spawn.output.captured", "spawn.stream", "stdout"));
        Assert.Equal(3, _metrics.Sum("spawn.output.captured", "spawn.stream", "stderr"));

        // The stderr tail Spawn keeps for messages, and a pipe the caller reads, are not captures.
        await new Command("sh", "-c", "printf 12345 >&2").RunAsync();
        await using (ChildProcess child = new Command("sh", "-c", "printf 12345").WithStdout(OutputTarget.Pipe).Start())
        {
            Assert.Equal("12345", await new StreamReader(child.Stdout!).ReadToEndAsync());
            await child.WaitAsync();
        }
        Assert.Equal(16, _metrics.Sum("spawn.output.captured"));
    }
}
