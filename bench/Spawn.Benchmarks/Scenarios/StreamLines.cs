using System.Diagnostics;
using CliWrap;
using CliWrap.EventStream;
using Spawn.Benchmarks.Floor;
using Cli = CliWrap.Cli;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Scenario 5: 256 children at once, each writing 4 MB of 64-byte lines as fast as it can
/// (`sh -c "yes LINE | head -c 4194304"`), every line consumed; throughput and the thread peak.
/// </summary>
internal sealed class StreamLines : Scenario
{
    internal const int Children = 256;

    /// <summary>63 characters and a newline: 64 bytes a line, so 4 MB is a whole number of lines.</summary>
    private const string Line = "the quick brown fox jumps over the lazy dog 0123456789 abcdefgh";

    internal override string Name => "stream";

    internal override string Title => "5. 256 children each streaming 4 MB, consumed line by line";

    internal override Figure Figure => Figure.Throughput;

    private static int BytesPerChild(BenchOptions options) => options.Quick ? 128 * 1024 : 4 * 1024 * 1024;

    internal override string[] ContendersFor(BenchOptions options) => [Contenders.Floor, Contenders.Spawn, Contenders.Process, Contenders.CliWrap];

    internal override string Describe(BenchOptions options) =>
        $"{Children} × `sh -c \"yes '<63 chars>' 2>/dev/null | head -c {BytesPerChild(options)}\"` at once ({Children * (long)BytesPerChild(options) / (1024 * 1024)} MiB of 64-byte lines a repetition). " +
        "Floor: one thread, epoll over the 256 pipes, 64 KiB read()s, lines split as byte spans (no strings). Spawn: Command.StreamLinesAsync. " +
        "Process: RedirectStandardOutput + StandardOutput.ReadLineAsync. CliWrap: ListenAsync (StandardOutputCommandEvent). Every line is counted and its length checked.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, BytesPerChild(options));

    private sealed class Workload(string contender, int bytesPerChild) : IWorkload
    {
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            if (Line.Length != 63) throw new InvalidOperationException("the line must be 63 characters");
            _threads = threads;
            return Task.CompletedTask;
        }

        // A few children, small: enough to JIT every path without growing the thread pool.
        public Task WarmupAsync() => RunAll(4, 64 * 1024);

        public async Task<Sample> RunAsync(string _)
        {
            var meter = Meter.Start(_threads);
            await RunAll(Children, bytesPerChild).ConfigureAwait(false);
            double seconds = meter.Elapsed;
            return meter.Stop(Children * (double)bytesPerChild / 1e6 / seconds, Children, seconds);
        }

        private async Task RunAll(int children, int bytes)
        {
            // yes's "Broken pipe" complaint when head has had enough goes to /dev/null, for every contender alike.
            string script = $"yes '{Line}' 2>/dev/null | head -c {bytes}";
            long lines;
            if (contender == Contenders.Floor)
            {
                lines = Floor(children, script);
            }
            else
            {
                Func<Task<long>> one = contender switch
                {
                    Contenders.Spawn => () => SpawnAsync(script),
                    Contenders.Process => () => ProcessAsync(script),
                    Contenders.CliWrap => () => CliWrapAsync(script),
                    _ => throw new ArgumentException($"unknown contender {contender}"),
                };
                long[] counts = await Task.WhenAll(Enumerable.Range(0, children).Select(_ => Task.Run(one))).ConfigureAwait(false);
                lines = counts.Sum();
            }
            long expected = (long)children * bytes / 64;
            if (lines != expected) throw new InvalidOperationException($"{contender}: {lines} lines, expected {expected}");
        }

        private static void Check(int length)
        {
            if (length != Line.Length) throw new InvalidOperationException($"a line of {length} characters, expected {Line.Length}");
        }

        private static async Task<long> SpawnAsync(string script)
        {
            long lines = 0;
            await foreach (OutputLine line in new Spawn.Command(Programs.Shell, "-c", script).StreamLinesAsync().ConfigureAwait(false))
            {
                Check(line.Text.Length);
                lines++;
            }
            return lines;
        }

        private static async Task<long> ProcessAsync(string script)
        {
            var startInfo = new ProcessStartInfo(Programs.Shell, ["-c", script]) { UseShellExecute = false, RedirectStandardOutput = true };
            using var process = System.Diagnostics.Process.Start(startInfo)!;
            long lines = 0;
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                Check(line.Length);
                lines++;
            }
            await process.WaitForExitAsync().ConfigureAwait(false);
            if (process.ExitCode != 0) throw new InvalidOperationException("Process: the streaming child failed");
            return lines;
        }

        private static async Task<long> CliWrapAsync(string script)
        {
            long lines = 0;
            await foreach (CommandEvent e in Cli.Wrap(Programs.Shell).WithArguments(["-c", script]).ListenAsync().ConfigureAwait(false))
            {
                if (e is StandardOutputCommandEvent output)
                {
                    Check(output.Text.Length);
                    lines++;
                }
            }
            return lines;
        }

        /// <summary>The floor: every pipe on one epoll set, read on this thread, lines found as byte spans.</summary>
        private static unsafe long Floor(int children, string script)
        {
            using var command = new RawCommand(Programs.Shell, "sh", "-c", script);
            int[] pipes = new int[children];
            int[] pidfds = new int[children];
            int[] partial = new int[children]; // bytes of an unfinished line carried to the next read
            int epoll = Native.EpollCreate1(Native.O_CLOEXEC);
            if (epoll < 0) throw Native.LastError("epoll_create1");
            const int BufferSize = 64 * 1024;
            byte* buffer = (byte*)System.Runtime.InteropServices.NativeMemory.Alloc(BufferSize);
            byte* events = stackalloc byte[64 * Native.EpollEventSize];
            long lines = 0;
            try
            {
                for (int i = 0; i < children; i++)
                {
                    var (read, write) = Raw.Pipe();
                    try
                    {
                        pidfds[i] = Raw.Start(command, stdoutFd: write);
                    }
                    finally
                    {
                        Native.Close(write);
                    }
                    pipes[i] = read;
                    Native.WriteEpollEvent(events, Native.EPOLLIN, (ulong)i);
                    if (Native.EpollCtl(epoll, Native.EPOLL_CTL_ADD, read, events) < 0) throw Native.LastError("epoll_ctl");
                }
                int open = children;
                while (open > 0)
                {
                    int ready = Native.EpollWait(epoll, events, 64, -1);
                    for (int e = 0; e < ready; e++)
                    {
                        int i = (int)Native.ReadEpollData(events + (e * Native.EpollEventSize));
                        nint n = Native.Read(pipes[i], buffer, BufferSize);
                        if (n < 0) throw Native.LastError("read");
                        if (n == 0)
                        {
                            if (partial[i] != 0) throw new InvalidOperationException("floor: output ended inside a line");
                            Native.EpollCtl(epoll, Native.EPOLL_CTL_DEL, pipes[i], null);
                            Native.Close(pipes[i]);
                            open--;
                            continue;
                        }
                        var span = new ReadOnlySpan<byte>(buffer, (int)n);
                        int newline;
                        while ((newline = span.IndexOf((byte)'\n')) >= 0)
                        {
                            Check(partial[i] + newline);
                            partial[i] = 0;
                            lines++;
                            span = span[(newline + 1)..];
                        }
                        partial[i] += span.Length;
                    }
                }
                for (int i = 0; i < children; i++) Raw.Expect0(Raw.WaitAndClose(pidfds[i]), "sh");
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.Free(buffer);
                Native.Close(epoll);
            }
            return lines;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
