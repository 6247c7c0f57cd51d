using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// The cost of Spawn's metrics and traces: sequential start+wait of /bin/true with nothing
/// listening (the other scenarios' case) and with a <see cref="MeterListener"/> and an
/// <see cref="ActivityListener"/> attached to "Spawn" in the worker. The listeners do what an SDK's
/// first step does, and no more: every measurement is added up, every span is sampled with all its
/// data and counted when it stops. An exporter's own work (aggregation by tags, serialising) is the
/// SDK's cost, not Spawn's, and is left out.
/// </summary>
internal sealed class TelemetryListener : Scenario
{
    internal const string Handle = "Spawn, environment once";
    internal const string HandleListened = "Spawn, environment once, listened";
    internal const string Command = "Spawn Command";
    internal const string CommandListened = "Spawn Command, listened";

    internal override string Name => "telemetry";

    internal override string Title => "1d. Sequential start+wait with and without a telemetry listener";

    internal override Figure Figure => Figure.Rate;

    internal override string? Baseline => Handle;

    private static int Count(BenchOptions options) => options.Quick ? 200 : 1500;

    internal override string[] ContendersFor(BenchOptions options) => [Handle, HandleListened, Command, CommandListened];

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} sequential starts of /bin/true per repetition. Spawn = ProcessHandle.Start + Wait with one StartOptions reused " +
        "(environment copied once, so that the bytes telemetry adds stand out); Spawn Command = Command.RunAsync. \"listened\": a MeterListener " +
        "(every Spawn instrument, measurements added up) and an ActivityListener (every Spawn span, all data, counted at stop) in the worker.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Count(options));

    private sealed class Workload(string contender, int count) : IWorkload
    {
        private readonly Spawn.Command _command = new(Programs.True);
        private StartOptions _options = null!;
        private ThreadSampler _threads = null!;
        private MeterListener? _meters;
        private ActivityListener? _spans;
        private double _measured;
        private long _spansStopped;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            var environment = new List<string>();
            foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables()) environment.Add($"{variable.Key}={variable.Value}");
            _options = new StartOptions { Environment = environment };
            if (contender is HandleListened or CommandListened) Listen();
            return Task.CompletedTask;
        }

        private void Listen()
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == "Spawn") listener.EnableMeasurementEvents(instrument);
                },
            };
            _meters.SetMeasurementEventCallback<long>((_, value, _, _) => _measured += value);
            _meters.SetMeasurementEventCallback<double>((_, value, _, _) => _measured += value);
            _meters.Start();
            _spans = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Spawn",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _ => _spansStopped++,
            };
            ActivitySource.AddActivityListener(_spans);
        }

        public Task WarmupAsync() => LoopAsync(Math.Max(50, count / 5));

        public async Task<Sample> RunAsync(string _)
        {
            var meter = Meter.Start(_threads);
            await LoopAsync(count).ConfigureAwait(false);
            double seconds = meter.Elapsed;
            return meter.Stop(count / seconds, count, seconds);
        }

        private async Task LoopAsync(int n)
        {
            long spansBefore = _spansStopped;
            for (int i = 0; i < n; i++)
            {
                if (contender is Handle or HandleListened)
                {
                    using ProcessHandle child = ProcessHandle.Start(Programs.True, Programs.TrueArgv, _options);
                    if (child.Wait().ExitCode != 0) throw new InvalidOperationException("Spawn: /bin/true failed");
                }
                else
                {
                    await _command.RunAsync().ConfigureAwait(false);
                }
            }
            // The listeners must have seen the work, or this measures nothing.
            if (_meters is not null && _measured == 0) throw new InvalidOperationException("the MeterListener received no measurement");
            if (contender == CommandListened && _spansStopped - spansBefore != n) throw new InvalidOperationException($"{_spansStopped - spansBefore} spans for {n} runs");
        }

        public ValueTask DisposeAsync()
        {
            _meters?.Dispose();
            _spans?.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
