using Spawn.Internal;

namespace Spawn.Tests.Platform;

/// <summary>
/// Handle mode's take-over protocol (<see cref="PidfdWaitState"/>), with the kernel and the
/// reactor played by the test through the wait state's seam: a blocking Wait that gets there
/// before the exit takes the reap over from the exit watcher; once the watcher owns the exit, a
/// Wait races it fairly under the lock; a foreign reaper leaves ECHILD behind. No process runs.
/// </summary>
public sealed class PidfdReapRaceTests
{
    private const int Rounds = 300;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_blocking_wait_before_the_exit_takes_the_reap_over_and_the_late_watcher_event_does_nothing()
    {
        var child = new KernelPlayedChild(100);
        ulong registration = child.WatchId;
        Task<ProcessState> wait = Task.Run(child.Wait);
        Assert.True(SpinWait.SpinUntil(() => child.Claims == 1, s_bound), "the blocking Wait never claimed the registration");

        child.Exit(5);
        Assert.True(wait.Wait(s_bound));
        child.ReactorSees(registration); // an event collected before the claim, delivered late

        Assert.Equal(5, wait.Result.ExitCode);
        Assert.Equal(1, child.Reaps);
        Assert.Equal(1, child.BlockingReaps);
        Assert.Equal(1, child.Unwatches);
    }

    [Fact]
    public void Once_the_watcher_has_reaped_a_wait_returns_its_state_without_a_system_call()
    {
        var child = new KernelPlayedChild(101);
        child.Exit(0);
        child.ReactorSees(child.WatchId);
        int callsBefore = child.KernelCalls;

        Assert.Equal(0, child.Wait().ExitCode);
        Assert.Equal(callsBefore, child.KernelCalls);
        Assert.Equal(1, child.Reaps);
    }

    [Fact]
    public void The_watcher_and_blocking_waits_racing_the_exit_reap_once_and_agree()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var child = new KernelPlayedChild(1000 + round);
            ulong registration = child.WatchId;
            using var start = new Barrier(4);
            Task<ProcessState>[] waits = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return child.Wait();
            }))];
            Task reactor = Task.Run(() =>
            {
                start.SignalAndWait();
                child.ExitedEvent.Wait();
                child.ReactorSees(registration);
            });
            start.SignalAndWait();
            child.Exit(round % 200);

            Assert.True(Task.WaitAll([.. waits, reactor], s_bound), "a wait or the reactor never returned");
            Assert.Equal(1, child.Reaps);
            Assert.Equal(1, child.Unwatches);
            Assert.All(waits, w => Assert.Same(child.State, w.Result));
            Assert.Equal(round % 200, child.State!.ExitCode);
        }
    }

    [Fact]
    public void A_child_reaped_by_another_component_gets_the_kernels_record_or_an_unknown_state_that_says_so()
    {
        var recorded = new KernelPlayedChild(102) { KeepsExitInfo = true };
        recorded.Exit(7);
        recorded.ForeignReap();
        recorded.ReactorSees(recorded.WatchId);
        Assert.Equal(7, recorded.Wait().ExitCode);
        Assert.Equal(ExitStatusSource.PidfdExitInfo, recorded.Wait().Source);

        var unrecorded = new KernelPlayedChild(103);
        unrecorded.Exit(7);
        unrecorded.ForeignReap();
        ProcessState state = unrecorded.Wait();
        Assert.Equal(ExitStatusSource.Unknown, state.Source);
        Assert.Contains("reaped", state.UnknownReason, StringComparison.Ordinal);
        Assert.Equal(0, unrecorded.Reaps);
    }

    /// <summary>
    /// A child whose kernel side is a script: it exits on <see cref="Exit"/>; the kernel lets it be
    /// reaped once (then ECHILD); a blocking reap or WNOWAIT wait blocks until the exit. The exit
    /// watcher is a registration number that exactly one claimant can end.
    /// </summary>
    private sealed class KernelPlayedChild : PidfdWaitState
    {
        private static ulong s_lastId;
        private readonly Lock _kernel = new();
        private int _exitCode;
        private bool _reapable;
        private ulong _registered;
        private int _reaps, _blockingReaps, _claims, _unwatches, _kernelCalls;

        internal KernelPlayedChild(int pid) : base(pid, isChild: true, new SafePidfdHandle(-1)) => Watch();

        internal ManualResetEventSlim ExitedEvent { get; } = new();

        internal bool KeepsExitInfo { get; init; }

        internal int Reaps => Volatile.Read(ref _reaps);

        internal int BlockingReaps => Volatile.Read(ref _blockingReaps);

        internal int Claims => Volatile.Read(ref _claims);

        internal int Unwatches => Volatile.Read(ref _unwatches);

        internal int KernelCalls => Volatile.Read(ref _kernelCalls);

        internal void Exit(int code)
        {
            lock (_kernel)
            {
                _exitCode = code;
                _reapable = true;
            }
            ExitedEvent.Set();
        }

        /// <summary>Another component of this process reaps the child first.</summary>
        internal void ForeignReap()
        {
            lock (_kernel)
            {
                _reapable = false;
            }
        }

        /// <summary>The reactor delivers the readiness it collected for <paramref name="registration"/>.</summary>
        internal void ReactorSees(ulong registration) => ((IEpollHandler)this).OnReady(registration, 1);

        protected override Errno Reap(int fd, bool block, out ProcessState? state)
        {
            Interlocked.Increment(ref _kernelCalls);
            if (block) ExitedEvent.Wait();
            lock (_kernel)
            {
                state = null;
                if (!ExitedEvent.IsSet) return 0;
                if (!_reapable) return Errno.ECHILD;
                _reapable = false;
                Interlocked.Increment(ref _reaps);
                if (block) Interlocked.Increment(ref _blockingReaps);
                state = ProcessState.FromWaitStatus(Pid, _exitCode << 8, ExitStatusSource.Reaped);
                return 0;
            }
        }

        protected override Errno WaitExited(int fd)
        {
            Interlocked.Increment(ref _kernelCalls);
            ExitedEvent.Wait();
            lock (_kernel)
            {
                return _reapable ? 0 : Errno.ECHILD;
            }
        }

        protected override ProcessState? ExitInfo(int fd)
        {
            Interlocked.Increment(ref _kernelCalls);
            return KeepsExitInfo ? ProcessState.FromWaitStatus(Pid, _exitCode << 8, ExitStatusSource.PidfdExitInfo) : null;
        }

        protected override bool AwaitRelease(int fd) => false; // the played kernel releases at once

        protected override void Watch()
        {
            ulong id = Interlocked.Increment(ref s_lastId);
            Volatile.Write(ref _registered, id);
            WatchId = id;
        }

        protected override bool Claim(ulong id)
        {
            bool claimed = id != 0 && Interlocked.CompareExchange(ref _registered, 0, id) == id;
            if (claimed) Interlocked.Increment(ref _claims);
            return claimed;
        }

        protected override void Unwatch() => Interlocked.Increment(ref _unwatches);
    }
}
