using System.Diagnostics;
using CliWrap;
using Spawn.Benchmarks.Floor;
using Cli = CliWrap.Cli;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Scenario 6: from SIGKILL of a sleeping child to the continuation of the awaited wait.
/// The clock starts right before the kill call, stops as the first line after the await runs.
/// </summary>
internal sealed class ExitLatency : Scenario
{
    internal override string Name => "latency";

    internal override string Title => "6. Exit notification latency: kill -9 to the awaiting continuation";

    internal override Figure Figure => Figure.Latency;

    private static int Samples(BenchOptions options) => options.Quick ? 40 : 200;

    /// <summary>ProcessHandle.WaitAsync(ExitContinuation.Inline): the continuation on the thread that saw the exit.</summary>
    internal const string SpawnInline = "Spawn, inline";

    /// <summary>A command with WithExitContinuation(ExitContinuation.Inline), awaited through ChildProcess.WaitAsync.</summary>
    internal const string SpawnCommandInline = "Spawn Command, inline";

    internal override string[] ContendersFor(BenchOptions options) => [.. Contenders.All, SpawnInline, SpawnCommandInline];

    internal override string Describe(BenchOptions options) =>
        $"{Samples(options)} kills per repetition of a `sleep {Programs.SleepSeconds}` child, each 2 ms after its start with the wait already pending. " +
        "Floor: a thread blocked in waitid(P_PIDFD), clock read as it returns. Spawn: await ProcessHandle.WaitAsync, Kill. Spawn Command: await ChildProcess.WaitAsync, Kill. " +
        "Spawn, inline / Spawn Command, inline: the same with ExitContinuation.Inline (the continuation runs on the thread that saw the exit). " +
        "Process: await WaitForExitAsync, Kill. CliWrap: await ExecuteAsync(token), token cancelled (its forceful cancellation kills the process).";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Samples(options));

    private sealed class Workload(string contender, int samples) : IWorkload
    {
        private readonly RawCommand _raw = new(Programs.Sleep, Programs.SleepArgv);
        private readonly ProcessStartInfo _startInfo = new(Programs.Sleep, [Programs.SleepSeconds]) { UseShellExecute = false };
        private readonly Spawn.Command _spawnCommand = new Spawn.Command(Programs.Sleep, Programs.SleepSeconds).WithExitCodeValidation(false);
        private readonly Spawn.Command _spawnCommandInline = new Spawn.Command(Programs.Sleep, Programs.SleepSeconds).WithExitCodeValidation(false)
            .WithExitContinuation(ExitContinuation.Inline);
        private readonly CliWrap.Command _cliWrap = Cli.Wrap(Programs.Sleep).WithArguments([Programs.SleepSeconds]).WithValidation(CommandResultValidation.None);
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            return Task.CompletedTask;
        }

        public async Task WarmupAsync()
        {
            for (int i = 0; i < 20; i++) await OnceAsync().ConfigureAwait(false);
        }

        public async Task<Sample> RunAsync(string _)
        {
            var latencies = new double[samples];
            var meter = Meter.Start(_threads);
            for (int i = 0; i < samples; i++) latencies[i] = await OnceAsync().ConfigureAwait(false);
            double seconds = meter.Elapsed;
            Sample sample = meter.Stop(Stats.Median(latencies), samples, seconds);
            sample.Latencies = latencies;
            return sample;
        }

        /// <summary>One kill; the latency in microseconds.</summary>
        private async Task<double> OnceAsync()
        {
            long killed, resumed;
            switch (contender)
            {
                case Contenders.Floor:
                {
                    int pidfd = Raw.Start(_raw);
                    long stop = 0;
                    var waiter = new Thread(() =>
                    {
                        int code = Raw.WaitAndClose(pidfd);
                        Volatile.Write(ref stop, Stopwatch.GetTimestamp());
                        if (code != 128 + Native.SIGKILL) throw new InvalidOperationException($"floor: ended with {code}");
                    });
                    waiter.Start();
                    Thread.Sleep(2);
                    killed = Stopwatch.GetTimestamp();
                    Raw.Kill(pidfd);
                    waiter.Join();
                    resumed = Volatile.Read(ref stop);
                    break;
                }
                case Contenders.Spawn:
                {
                    using ProcessHandle child = ProcessHandle.Start(Programs.Sleep, Programs.SleepArgv);
                    (killed, resumed) = await KillWhileAwaitingAsync(child.WaitAsync(), () => child.Kill()).ConfigureAwait(false);
                    break;
                }
                case Contenders.SpawnCommand:
                {
                    await using ChildProcess child = _spawnCommand.Start();
                    (killed, resumed) = await KillWhileAwaitingAsync(child.WaitAsync(), () => child.Kill()).ConfigureAwait(false);
                    break;
                }
                case SpawnInline:
                {
                    using ProcessHandle child = ProcessHandle.Start(Programs.Sleep, Programs.SleepArgv);
                    (killed, resumed) = await KillWhileAwaitingAsync(child.WaitAsync(ExitContinuation.Inline), () => child.Kill()).ConfigureAwait(false);
                    break;
                }
                case SpawnCommandInline:
                {
                    await using ChildProcess child = _spawnCommandInline.Start();
                    (killed, resumed) = await KillWhileAwaitingAsync(child.WaitAsync(), () => child.Kill()).ConfigureAwait(false);
                    break;
                }
                case Contenders.Process:
                {
                    using var process = System.Diagnostics.Process.Start(_startInfo)!;
                    (killed, resumed) = await KillWhileAwaitingAsync(process.WaitForExitAsync(), process.Kill).ConfigureAwait(false);
                    break;
                }
                case Contenders.CliWrap:
                {
                    using var cancel = new CancellationTokenSource();
                    Task<long> waiting = ResumeAfterCancel(_cliWrap.ExecuteAsync(cancel.Token));
                    Thread.Sleep(2);
                    killed = Stopwatch.GetTimestamp();
                    cancel.Cancel();
                    resumed = await waiting.ConfigureAwait(false);
                    break;
                }
                default:
                    throw new ArgumentException($"unknown contender {contender}");
            }
            return Stopwatch.GetElapsedTime(killed, resumed).TotalMicroseconds;
        }

        /// <summary>
        /// With <paramref name="wait"/> pending, waits 2 ms (the child is asleep by then), kills, and
        /// returns the clock at the kill and at the wait's continuation.
        /// </summary>
        private static async Task<(long Killed, long Resumed)> KillWhileAwaitingAsync(Task wait, Action kill)
        {
            Task<long> waiting = ResumeAfter(wait);
            Thread.Sleep(2);
            long killed = Stopwatch.GetTimestamp();
            kill();
            return (killed, await waiting.ConfigureAwait(false));
        }

        private static async Task<long> ResumeAfter(Task wait)
        {
            await wait.ConfigureAwait(false);
            return Stopwatch.GetTimestamp();
        }

        private static async Task<long> ResumeAfterCancel(Task wait)
        {
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return Stopwatch.GetTimestamp();
            }
            throw new InvalidOperationException("CliWrap: the child was not cancelled");
        }

        public ValueTask DisposeAsync()
        {
            _raw.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
