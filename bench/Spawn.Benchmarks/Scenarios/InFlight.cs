using System.Diagnostics;
using CliWrap;
using Spawn.Benchmarks.Floor;
using Cli = CliWrap.Cli;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>Scenario 2: /bin/true with 64 children in flight at all times, waits asynchronous.</summary>
internal sealed class InFlight : Scenario
{
    internal const int Width = 64;

    internal override string Name => "inflight";

    internal override string Title => "2. 64 in flight (async) of /bin/true";

    internal override Figure Figure => Figure.Rate;

    private static int Count(BenchOptions options) => options.Quick ? 384 : 3000;

    internal override string[] ContendersFor(BenchOptions options) => Contenders.All;

    internal override string Describe(BenchOptions options) =>
        $"{Count(options)} starts per repetition, {Width} at a time: the floor is one thread per CPU, each with epoll over its share of the pidfds (spawn, epoll_wait, waitid WNOHANG, spawn again); " +
        "the others run 64 async loops: ProcessHandle.Start + await WaitAsync, await Command.RunAsync, Process.Start + await WaitForExitAsync, await ExecuteAsync.";

    internal override IWorkload CreateWorkload(string workerKey, BenchOptions options) => new Workload(workerKey, Count(options));

    private sealed class Workload(string contender, int count) : IWorkload
    {
        private readonly RawCommand _raw = new(Programs.True, Programs.TrueArgv);
        private readonly ProcessStartInfo _startInfo = new(Programs.True) { UseShellExecute = false };
        private readonly Spawn.Command _spawnCommand = new(Programs.True);
        private readonly CliWrap.Command _cliWrap = Cli.Wrap(Programs.True);
        private ThreadSampler _threads = null!;

        public Task SetupAsync(ThreadSampler threads)
        {
            _threads = threads;
            return Task.CompletedTask;
        }

        public Task WarmupAsync() => RunAll(Math.Max(Width * 2, count / 5));

        public async Task<Sample> RunAsync(string _)
        {
            var meter = Meter.Start(_threads);
            await RunAll(count).ConfigureAwait(false);
            double seconds = meter.Elapsed;
            return meter.Stop(count / seconds, count, seconds);
        }

        private Task RunAll(int total)
        {
            if (contender == Contenders.Floor)
            {
                Floor(total);
                return Task.CompletedTask;
            }
            int remaining = total;
            Func<Task> once = contender switch
            {
                Contenders.Spawn => SpawnOnce,
                Contenders.SpawnCommand => () => _spawnCommand.RunAsync(),
                Contenders.Process => ProcessOnce,
                Contenders.CliWrap => () => _cliWrap.ExecuteAsync(),
                _ => throw new ArgumentException($"unknown contender {contender}"),
            };
            async Task Loop()
            {
                await Task.Yield();
                while (Interlocked.Decrement(ref remaining) >= 0) await once().ConfigureAwait(false);
            }
            return Task.WhenAll(Enumerable.Range(0, Width).Select(_ => Loop()));
        }

        private static async Task SpawnOnce()
        {
            using ProcessHandle child = ProcessHandle.Start(Programs.True, Programs.TrueArgv);
            ProcessState state = await child.WaitAsync().ConfigureAwait(false);
            if (state.ExitCode != 0) throw new InvalidOperationException("Spawn: /bin/true failed");
        }

        private async Task ProcessOnce()
        {
            using var process = System.Diagnostics.Process.Start(_startInfo)!;
            await process.WaitForExitAsync().ConfigureAwait(false);
            if (process.ExitCode != 0) throw new InvalidOperationException("Process: /bin/true failed");
        }

        /// <summary>
        /// The floor: one thread per CPU, each with its own epoll set of pidfds and its share of the
        /// 64 in flight; no tasks. (One thread alone is slower than the libraries: a start blocks
        /// its thread until the child has exec'd, so one thread cannot overlap two starts.)
        /// </summary>
        private void Floor(int total)
        {
            int threads = Math.Min(Environment.ProcessorCount, Width);
            int remaining = total;
            Exception? failure = null;
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                try
                {
                    FloorLoop(Width / threads + (t < Width % threads ? 1 : 0), ref remaining);
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }) { Name = "floor loop" }).ToList();
            workers.ForEach(w => w.Start());
            workers.ForEach(w => w.Join());
            if (failure is not null) throw failure;
        }

        private unsafe void FloorLoop(int width, ref int remaining)
        {
            int epoll = Native.EpollCreate1(Native.O_CLOEXEC);
            if (epoll < 0) throw Native.LastError("epoll_create1");
            byte* events = stackalloc byte[width * Native.EpollEventSize];
            int running = 0;
            try
            {
                while (true)
                {
                    while (running < width && Interlocked.Decrement(ref remaining) >= 0)
                    {
                        int pidfd = Raw.Start(_raw);
                        Native.WriteEpollEvent(events, Native.EPOLLIN, (ulong)pidfd);
                        if (Native.EpollCtl(epoll, Native.EPOLL_CTL_ADD, pidfd, events) < 0) throw Native.LastError("epoll_ctl");
                        running++;
                    }
                    if (running == 0) break;
                    int ready = Native.EpollWait(epoll, events, width, -1);
                    for (int i = 0; i < ready; i++)
                    {
                        int pidfd = (int)Native.ReadEpollData(events + (i * Native.EpollEventSize));
                        if (!Raw.TryReap(pidfd, out int exitCode)) continue;
                        Raw.Expect0(exitCode, Programs.True);
                        // Removed explicitly: a child still in execve may hold a copy of this pidfd for a moment
                        // (posix_spawn wakes us before exec closes the close-on-exec fds), and while any copy
                        // lives, close alone would leave the registration in the set.
                        Native.EpollCtl(epoll, Native.EPOLL_CTL_DEL, pidfd, null);
                        Native.Close(pidfd);
                        running--;
                    }
                }
            }
            finally
            {
                Native.Close(epoll);
            }
        }

        public ValueTask DisposeAsync()
        {
            _raw.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
