using Spawn.Internal;

namespace Spawn.Tests.Platform;

/// <summary>
/// PID mode's reap protocol (<see cref="PidWaitState"/> and its <see cref="ChildReaper"/>), with the
/// kernel played by the test through their seams (tokio's Wait trait and MockWait): the reaper
/// thread's turns against blocking waits, a foreign reaper, Dispose, and a child that is not ours.
/// No process runs, so each race runs hundreds of times.
/// </summary>
public sealed class PidReaperRaceTests
{
    private const int Rounds = 300;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_reaper_reaps_an_exited_child_once_and_stops_tracking_it()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel);
        PlayedChild child = kernel.Start(200, reaper);
        Task<ProcessState> pending = child.WaitAsync(CancellationToken.None);

        kernel.Exit(200, 3);
        reaper.Step(1);

        Assert.True(pending.IsCompleted);
        Assert.Equal(3, pending.Result.ExitCode);
        Assert.Equal(ExitStatusSource.Reaped, pending.Result.Source);
        Assert.Equal(1, kernel.ReapsOf(200));
        Assert.Equal(0, reaper.Count);
        Assert.False(child.Signal(Signals.SIGTERM, group: false)); // reaped: no kill(2) can reach a reused PID
    }

    [Fact]
    public void A_child_that_exited_before_it_was_tracked_is_reaped_when_tracked()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel);
        PlayedChild child = kernel.Start(201, reaper, track: false);
        kernel.Exit(201, 4);

        reaper.Track(child);

        Assert.Equal(4, child.State?.ExitCode);
        Assert.Equal(0, reaper.Count);
    }

    [Fact]
    public void The_reaper_and_blocking_waits_racing_the_exit_reap_once_and_agree()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var kernel = new PlayedKernel();
            var reaper = new PlayedReaper(kernel);
            int pid = 1000 + round;
            PlayedChild child = kernel.Start(pid, reaper);
            Task<ProcessState> pending = child.WaitAsync(CancellationToken.None);
            using var start = new Barrier(4);
            Task<ProcessState>[] waits = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return child.Wait();
            }))];
            Task reaperThread = Task.Run(() =>
            {
                start.SignalAndWait();
                int backoff = 1;
                while (reaper.Count != 0) backoff = reaper.Step(backoff);
            });
            start.SignalAndWait();
            kernel.Exit(pid, round % 200);

            Assert.True(Task.WaitAll([.. waits, reaperThread, pending], s_bound), "a wait or the reaper never returned");
            Assert.Equal(1, kernel.ReapsOf(pid));
            Assert.Equal(0, reaper.Count);
            ProcessState state = child.State!;
            Assert.Equal(round % 200, state.ExitCode);
            Assert.Equal(ExitStatusSource.Reaped, state.Source);
            Assert.All(waits, w => Assert.Same(state, w.Result));
            Assert.Same(state, pending.Result);
        }
    }

    [Fact]
    public void A_foreign_reaper_before_the_reaper_leaves_an_unknown_state_that_says_so()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel);
        PlayedChild child = kernel.Start(202, reaper);
        Task<ProcessState> pending = child.WaitAsync(CancellationToken.None);

        kernel.Exit(202, 7);
        kernel.ForeignReap(202);
        reaper.Step(1); // waitid(P_ALL) now says ECHILD: no children at all

        Assert.True(pending.Wait(s_bound), "the foreign reap was never published");
        ProcessState state = pending.Result;
        Assert.Equal(ExitStatusSource.Unknown, state.Source);
        Assert.Null(state.ExitCode);
        Assert.Contains("another component", state.UnknownReason, StringComparison.Ordinal);
        Assert.Same(state, child.Wait());
        Assert.Equal(0, kernel.ReapsOf(202));
        Assert.Equal(0, reaper.Count);
    }

    [Fact]
    public void A_foreign_reaper_between_the_reapers_look_and_its_reap_publishes_once()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var kernel = new PlayedKernel();
            int pid = 3000 + round;
            // The foreign reaper strikes after waitid(P_ALL) named the child, before wait4 reaps it.
            var reaper = new PlayedReaper(kernel) { AfterLook = p => kernel.ForeignReap(p) };
            PlayedChild child = kernel.Start(pid, reaper);
            Task<ProcessState> blocking = Task.Run(child.Wait);

            kernel.Exit(pid, 9);
            reaper.Step(1);

            Assert.True(blocking.Wait(s_bound), "the blocking Wait never returned");
            // Either the foreign reaper got there first (unknown status), or the blocking Wait, woken
            // by the exit, reaped the child itself before the reaper's turn: both are the protocol.
            ProcessState result = blocking.Result;
            Assert.True(result.Source == ExitStatusSource.Unknown || (result.Source == ExitStatusSource.Reaped && result.ExitCode == 9),
                $"round {round}: {result}");
            Assert.Same(child.State, result);
            Assert.Equal(0, reaper.Count);
        }
    }

    [Fact]
    public void A_blocking_wait_after_a_foreign_reap_neither_hangs_nor_reaps()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel);
        PlayedChild child = kernel.Start(203, reaper);
        kernel.Exit(203, 1);
        kernel.ForeignReap(203);

        Task<ProcessState> wait = Task.Run(child.Wait);

        Assert.True(wait.Wait(s_bound), "Wait hung after a foreign reap");
        Assert.Equal(ExitStatusSource.Unknown, wait.Result.Source);
        Assert.Equal(0, reaper.Count);
    }

    [Fact]
    public void Dispose_during_a_blocking_wait_lets_it_complete_and_the_child_is_still_reaped()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var kernel = new PlayedKernel();
            var reaper = new PlayedReaper(kernel);
            int pid = 5000 + round;
            PlayedChild child = kernel.Start(pid, reaper);
            Task<ProcessState> pendingAsync = child.WaitAsync(CancellationToken.None);
            Task<ProcessState> blocking = Task.Run(child.Wait);
            Assert.True(SpinWait.SpinUntil(() => kernel.Waiters(pid) == 1, s_bound), "the blocking Wait never reached the kernel");

            using var start = new Barrier(2);
            Task dispose = Task.Run(() =>
            {
                start.SignalAndWait();
                child.Dispose();
            });
            start.SignalAndWait();
            kernel.Exit(pid, 2);
            if (round % 2 == 0) reaper.Step(1); // half the rounds the reaper gets there, half the blocking Wait

            Assert.True(Task.WaitAll([blocking, pendingAsync, dispose], s_bound), "a wait or Dispose never returned");
            Assert.Equal(2, blocking.Result.ExitCode);
            Assert.Same(blocking.Result, pendingAsync.Result);
            Assert.Same(blocking.Result, child.Wait()); // the result is known: returned even after Dispose
            Assert.Throws<ObjectDisposedException>(() => child.Signal(Signals.SIGTERM, group: false));
            Assert.Equal(1, kernel.ReapsOf(pid));
            Assert.Equal(0, reaper.Count);
        }
    }

    [Fact]
    public void A_disposed_child_that_nobody_waits_for_is_still_reaped_by_the_reaper()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel);
        PlayedChild child = kernel.Start(204, reaper);
        child.Dispose();
        Assert.Throws<ObjectDisposedException>(() => child.Wait());

        kernel.Exit(204, 0);
        reaper.Step(1);

        Assert.Equal(1, kernel.ReapsOf(204));
        Assert.Equal(0, reaper.Count);
        Assert.Equal(0, child.Wait().ExitCode);
    }

    [Fact]
    public void A_waitable_child_that_is_not_ours_is_left_alone_and_the_reaper_backs_off()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel);
        kernel.Born(900); // another library's child, older than ours
        kernel.Exit(900, 0);
        PlayedChild ours = kernel.Start(205, reaper);

        int next = reaper.Step(1);

        Assert.Equal(2, next); // doubled: it reaped nothing, and will look again later rather than spin
        Assert.Equal(0, kernel.ReapsOf(900)); // left for its owner
        Assert.Null(ours.State);
        Assert.Equal(1, reaper.Count);

        kernel.Exit(205, 6);
        Assert.Equal(4, reaper.Step(next)); // waitid(P_ALL) still names the foreign child first: ours is tried directly
        Assert.Equal(6, ours.State?.ExitCode);
        Assert.Equal(0, reaper.Count);
    }

    [Fact]
    public void With_children_reaped_by_the_kernel_the_reaper_publishes_what_it_can_without_blocking()
    {
        var kernel = new PlayedKernel();
        var reaper = new PlayedReaper(kernel) { AutoReaped = true };
        PlayedChild child = kernel.Start(206, reaper);
        kernel.Exit(206, 5);
        kernel.ForeignReap(206); // SIGCHLD ignored: the kernel reaps at exit

        reaper.Step(1);

        Assert.Equal(ExitStatusSource.Unknown, child.State?.Source);
        Assert.Equal(0, kernel.LooksForAnyExit); // never blocked in waitid(P_ALL)
        Assert.Equal(0, reaper.Count);
    }

    /// <summary>
    /// The kernel's side of this process's children: each is born, exits, and is reaped once (by
    /// us or by someone else); then it is no longer a child (ECHILD). waitid(P_ALL) blocks while
    /// no child is waitable and fails with ECHILD when there is no child at all.
    /// </summary>
    private sealed class PlayedKernel
    {
        private readonly object _gate = new();
        private readonly Dictionary<int, Child> _children = [];
        private readonly List<int> _order = [];
        private int _looksForAnyExit;

        internal int LooksForAnyExit => Volatile.Read(ref _looksForAnyExit);

        internal PlayedChild Start(int pid, ChildReaper reaper, bool track = true)
        {
            Born(pid);
            var child = new PlayedChild(this, pid, reaper);
            if (track) reaper.Track(child);
            return child;
        }

        internal void Born(int pid)
        {
            lock (_gate)
            {
                _children[pid] = new Child();
                _order.Add(pid);
            }
        }

        internal void Exit(int pid, int code)
        {
            lock (_gate)
            {
                _children[pid].ExitCode = code;
                Monitor.PulseAll(_gate);
            }
        }

        internal void ForeignReap(int pid)
        {
            lock (_gate)
            {
                _children[pid].Gone = true;
                Monitor.PulseAll(_gate);
            }
        }

        internal int ReapsOf(int pid)
        {
            lock (_gate)
            {
                return _children[pid].ReapedByUs;
            }
        }

        /// <summary>How many blocking waits are in waitid(P_PID) for <paramref name="pid"/>.</summary>
        internal int Waiters(int pid)
        {
            lock (_gate)
            {
                return _children[pid].Waiters;
            }
        }

        /// <summary>wait4(pid, WNOHANG).</summary>
        internal Errno Wait4(int pid, out ProcessState? state)
        {
            lock (_gate)
            {
                state = null;
                Child child = _children[pid];
                if (child.Gone) return Errno.ECHILD;
                if (child.ExitCode is not int code) return 0;
                child.Gone = true;
                child.ReapedByUs++;
                state = ProcessState.FromWaitStatus(pid, code << 8, ExitStatusSource.Reaped);
                return 0;
            }
        }

        /// <summary>waitid(P_PID, pid, WEXITED | WNOWAIT): blocks until waitable; ECHILD once reaped.</summary>
        internal Errno WaitExited(int pid)
        {
            lock (_gate)
            {
                Child child = _children[pid];
                child.Waiters++;
                try
                {
                    while (!child.Gone && child.ExitCode is null) Monitor.Wait(_gate);
                    return child.Gone ? Errno.ECHILD : 0;
                }
                finally
                {
                    child.Waiters--;
                }
            }
        }

        /// <summary>waitid(P_ALL, WEXITED | WNOWAIT): the first waitable child by age.</summary>
        internal Errno WaitForAnyExit(out int pid)
        {
            Interlocked.Increment(ref _looksForAnyExit);
            lock (_gate)
            {
                while (true)
                {
                    pid = 0;
                    bool any = false;
                    foreach (int candidate in _order)
                    {
                        Child child = _children[candidate];
                        if (child.Gone) continue;
                        any = true;
                        if (child.ExitCode is not null)
                        {
                            pid = candidate;
                            return 0;
                        }
                    }
                    if (!any) return Errno.ECHILD;
                    Monitor.Wait(_gate);
                }
            }
        }

        private sealed class Child
        {
            internal int? ExitCode;
            internal bool Gone;
            internal int ReapedByUs;
            internal int Waiters;
        }
    }

    /// <summary>A PID-mode child whose kernel calls go to the played kernel.</summary>
    private sealed class PlayedChild(PlayedKernel kernel, int pid, ChildReaper reaper) : PidWaitState(pid, isChild: true, reaper)
    {
        protected override Errno Reap(out ProcessState? state) => kernel.Wait4(Pid, out state);

        protected override Errno WaitExited() => kernel.WaitExited(Pid);
    }

    /// <summary>A reaper whose waitid(P_ALL) and SIGCHLD disposition are the played kernel's; <see cref="ChildReaper.Step"/> is driven by the test.</summary>
    private sealed class PlayedReaper(PlayedKernel kernel) : ChildReaper
    {
        internal bool AutoReaped { get; init; }

        /// <summary>Runs after waitid(P_ALL) named a child, before the reaper acts on it.</summary>
        internal Action<int>? AfterLook { get; init; }

        protected override Errno WaitForAnyExit(out int pid)
        {
            Errno errno = kernel.WaitForAnyExit(out pid);
            if (errno == 0) AfterLook?.Invoke(pid);
            return errno;
        }

        protected override bool ChildrenAutoReaped() => AutoReaped;
    }
}
