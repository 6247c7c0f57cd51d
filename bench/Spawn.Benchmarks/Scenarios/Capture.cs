using System.Diagnostics;
using CliWrap;
using Spawn.Benchmarks.Floor;
using Cli = CliWrap.Cli;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>Scenario 4: capture 100 MB of a child's stdout (`head -c 100000000 /dev/zero`) into one byte array.</summary>
internal sealed class Capture : Scenario
{
    internal const int Bytes = 100_000_000;

    /// <summary>Spawn's capture that hands out its pooled buffers (no copy into one array).</summary>
    internal const string SpawnPooled = "Spawn, pooled";

    internal override string Name => "capture";

    internal override string Title => "4. Capture 100 MB of stdout into memory";

    internal override Figure Figure => Figure.Time;

    private static int Count(BenchOptions options) => options.Quick ? 1 : 5;

    internal override string[] ContendersFor(BenchOptions options) => [Contenders.Floor, Contenders.Spawn, SpawnPooled, Contenders.Process, Contenders.CliWrap];

    internal override string Describe(BenchOptions options) =>
        $"`head -c {Bytes} /dev/zero`, {Count(options)} capture(s) per repetition, each ending as one byte[] of {Bytes:N0} bytes " +
        "(Spawn, pooled: as the pooled buffers it was read into, disposed after its length is checked). " +
        "Floor: read() straight into a fresh array of the final size until EOF. Spawn: Command.OutputBytesAsync. Spawn, pooled: Command.OutputPooledAsync. " +
        "Process: RedirectStandardOutput, BaseStream.CopyToAsync(MemoryStream), ToArray. CliWrap: PipeTarget.ToStream(MemoryStream), ToArray.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Count(options));

    private sealed class Workload(string contender, int count) : IWorkload
    {
        private static readonly string[] Arguments = ["-c", Bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero"];
        private readonly RawCommand _raw = new(Programs.Head, ["head", .. Arguments]);
        private readonly ProcessStartInfo _startInfo = new(Programs.Head, Arguments) { UseShellExecute = false, RedirectStandardOutput = true };
        private readonly Spawn.Command _spawnCommand = new(Programs.Head, Arguments);
        private readonly CliWrap.Command _cliWrap = Cli.Wrap(Programs.Head).WithArguments(Arguments);
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            return Task.CompletedTask;
        }

        public async Task WarmupAsync()
        {
            for (int i = 0; i < 2; i++) await CaptureOnce().ConfigureAwait(false);
        }

        public async Task<Sample> RunAsync(string _)
        {
            // Start every repetition from a collected heap, so one contender's garbage is not another's pause.
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            var meter = Meter.Start(_threads);
            for (int i = 0; i < count; i++) await CaptureOnce().ConfigureAwait(false);
            double seconds = meter.Elapsed;
            return meter.Stop(seconds / count, count, seconds);
        }

        private async Task CaptureOnce()
        {
            if (contender == SpawnPooled)
            {
                using PooledCommandResult pooled = await _spawnCommand.OutputPooledAsync().ConfigureAwait(false);
                if (pooled.StandardOutput.Length != Bytes) throw new InvalidOperationException($"{contender}: captured {pooled.StandardOutput.Length} bytes, expected {Bytes}");
                return;
            }
            byte[] output = contender switch
            {
                Contenders.Floor => Floor(),
                Contenders.Spawn => (await _spawnCommand.OutputBytesAsync().ConfigureAwait(false)).StandardOutput,
                Contenders.Process => await ProcessAsync().ConfigureAwait(false),
                Contenders.CliWrap => await CliWrapAsync().ConfigureAwait(false),
                _ => throw new ArgumentException($"unknown contender {contender}"),
            };
            if (output.Length != Bytes) throw new InvalidOperationException($"{contender}: captured {output.Length} bytes, expected {Bytes}");
        }

        private unsafe byte[] Floor()
        {
            var (read, write) = Raw.Pipe();
            int pidfd;
            try
            {
                pidfd = Raw.Start(_raw, stdoutFd: write);
            }
            finally
            {
                Native.Close(write);
            }
            byte[] output = GC.AllocateUninitializedArray<byte>(Bytes);
            long total = 0;
            long scratch = 0;
            fixed (byte* buffer = output)
            {
                while (true)
                {
                    nint n = total < Bytes
                        ? Native.Read(read, buffer + total, (nint)(Bytes - total))
                        : Native.Read(read, &scratch, sizeof(long)); // full: the next read must be end-of-file
                    if (n == 0) break;
                    if (n < 0) throw Native.LastError("read");
                    if (total >= Bytes) throw new InvalidOperationException("floor: more output than expected");
                    total += n;
                }
            }
            Native.Close(read);
            Raw.Expect0(Raw.WaitAndClose(pidfd), Programs.Head);
            return output;
        }

        private async Task<byte[]> ProcessAsync()
        {
            using var process = System.Diagnostics.Process.Start(_startInfo)!;
            using var memory = new MemoryStream();
            await process.StandardOutput.BaseStream.CopyToAsync(memory).ConfigureAwait(false);
            await process.WaitForExitAsync().ConfigureAwait(false);
            if (process.ExitCode != 0) throw new InvalidOperationException("Process: head failed");
            return memory.ToArray();
        }

        private async Task<byte[]> CliWrapAsync()
        {
            using var memory = new MemoryStream();
            await (_cliWrap | PipeTarget.ToStream(memory)).ExecuteAsync().ConfigureAwait(false);
            return memory.ToArray();
        }

        public ValueTask DisposeAsync()
        {
            _raw.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
