using System.Runtime.InteropServices;
using Spawn.Internal;

namespace Spawn.Tests.Platform;

/// <summary>
/// The wait/reap protocol of <see cref="ProcessWaitState"/>, driven through a scripted subclass:
/// no process and no system call, so the races between the watcher, blocking waits, async waits and
/// Dispose can be run thousands of times.
/// </summary>
public sealed class WaitStateProtocolTests
{
    private const int Rounds = 300;

    [Fact]
    public void Of_racing_watchers_and_blocking_waits_exactly_one_reaps_and_all_see_the_same_state()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var process = new ScriptedWaitState(1000 + round, isChild: true);
            Task<ProcessState> pending = process.WaitAsync(CancellationToken.None);
            using var start = new Barrier(6);
            Task<ProcessState>[] waits = [.. Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return process.Wait();
            }))];
            Task[] watchers = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                process.WatcherSeesExit();
            }))];
            start.SignalAndWait();
            process.Exit(round % 256);
            Assert.True(Task.WaitAll([.. waits, .. watchers, pending], TimeSpan.FromSeconds(10)), "a wait never completed");

            Assert.Equal(1, process.Reaps);
            Assert.Equal(1, process.OwnerDrops);
            ProcessState state = process.State!;
            Assert.Equal(round % 256, state.ExitCode);
            Assert.All(waits, w => Assert.Same(state, w.Result));
            Assert.Same(state, pending.Result);
            Assert.Same(state, process.Wait());
        }
    }

    [Fact]
    public void A_disposed_child_is_still_reaped_and_its_pending_waits_complete()
    {
        var process = new ScriptedWaitState(42, isChild: true);
        Task<ProcessState> pending = process.WaitAsync(CancellationToken.None);

        process.Dispose();
        process.Dispose();
        Assert.Equal(1, process.OwnerDrops);
        Assert.Throws<ObjectDisposedException>(() => { _ = process.WaitAsync(CancellationToken.None); }); // thrown at the call, not in a task
        Assert.Throws<ObjectDisposedException>(() => process.Signal(Signals.SIGTERM, group: false));
        Assert.False(pending.IsCompleted);

        process.Exit(3);
        process.WatcherSeesExit();

        Assert.Equal(3, pending.Result.ExitCode);
        Assert.Same(pending.Result, process.Wait());
        Assert.Equal(1, process.OwnerDrops); // Dispose dropped it; the reap after it does not again
    }

    [Fact]
    public void A_disposed_non_child_fails_its_pending_waits_and_is_watched_once()
    {
        var process = new ScriptedWaitState(43, isChild: false);
        Task<ProcessState> first = process.WaitAsync(CancellationToken.None);
        Task<ProcessState> second = process.WaitAsync(CancellationToken.None);
        Assert.Equal(1, process.Watches);

        process.Dispose();

        Assert.IsType<ObjectDisposedException>(first.Exception!.InnerException);
        Assert.IsType<ObjectDisposedException>(second.Exception!.InnerException);
        Assert.Throws<ObjectDisposedException>(() => process.Wait());
    }

    [Fact]
    public void Dispose_racing_the_reap_drops_the_owning_reference_exactly_once()
    {
        for (int round = 0; round < Rounds * 3; round++)
        {
            var process = new ScriptedWaitState(2000 + round, isChild: true);
            process.Exit(0);
            using var start = new Barrier(2);
            Task dispose = Task.Run(() =>
            {
                start.SignalAndWait();
                process.Dispose();
            });
            Task reap = Task.Run(() =>
            {
                start.SignalAndWait();
                process.WatcherSeesExit();
            });
            Assert.True(Task.WaitAll([dispose, reap], TimeSpan.FromSeconds(10)), "Dispose or the reap never returned");

            Assert.Equal(1, process.OwnerDrops);
            Assert.Equal(1, process.Reaps);
            Assert.Equal(0, process.Wait().ExitCode);
        }
    }

    [Fact]
    public async Task A_cancelled_async_wait_leaves_the_others_pending()
    {
        var process = new ScriptedWaitState(44, isChild: true);
        using var cancel = new CancellationTokenSource();
        Task<ProcessState> cancelled = process.WaitAsync(cancel.Token);
        Task<ProcessState> other = process.WaitAsync(CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(other.IsCompleted);

        process.Exit(9);
        process.WatcherSeesExit();
        Assert.Equal(9, (await other).ExitCode);
    }

    [Fact]
    public void A_broken_invariant_throws_instead_of_reaping_twice()
    {
        var process = new ScriptedWaitState(45, isChild: true);
        process.Exit(0);
        process.WatcherSeesExit();

        InvalidOperationException publishedTwice = Assert.Throws<InvalidOperationException>(process.PublishAgain);
        Assert.Contains("published once", publishedTwice.Message, StringComparison.Ordinal);
        InvalidOperationException droppedTwice = Assert.Throws<InvalidOperationException>(process.DropOwningReferenceAgain);
        Assert.Contains("dropped once", droppedTwice.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A process played by the test (tokio's MockWait): <see cref="Exit"/> makes it exit;
    /// <see cref="WatcherSeesExit"/> is the watcher's non-blocking reap; a blocking wait blocks
    /// until the exit, then reaps under the lock, as the real implementations do.
    /// </summary>
    private sealed class ScriptedWaitState(int pid, bool isChild) : ProcessWaitState(pid, isChild)
    {
        private readonly ManualResetEventSlim _exited = new();
        private readonly FakeHandle _handle = new();
        private int _exitCode;
        private int _drops;
        private int _reaps;
        private int _watches;

        internal int Reaps => Volatile.Read(ref _reaps);

        internal int OwnerDrops => Volatile.Read(ref _drops);

        internal int Watches => Volatile.Read(ref _watches);

        internal void Exit(int code)
        {
            _exitCode = code;
            _exited.Set();
        }

        internal void WatcherSeesExit()
        {
            if (_exited.IsSet) TryReap();
        }

        internal void PublishAgain()
        {
            lock (Sync)
            {
                PublishLocked(ProcessState.Unknown(Pid, "a second publication"));
            }
        }

        internal void DropOwningReferenceAgain() => Drop();

        internal override bool Signal(int signal, bool group)
        {
            if (Status == Released) throw Disposed();
            return State is null;
        }

        internal override ProcessInfo GetInfo() => throw new NotSupportedException("not played by this script");

        protected override void WaitOnce()
        {
            if (Status == Released && State is null) throw Disposed();
            _exited.Wait();
            TryReap();
        }

        protected override void WatchNonChild() => Interlocked.Increment(ref _watches);

        protected override void OnReleased()
        {
            if (!IsChild)
            {
                FailWaiters(Disposed());
            }
            Drop();
        }

        protected override void OnDone(bool owner)
        {
            if (owner) Drop();
        }

        private void Drop()
        {
            Interlocked.Increment(ref _drops);
            DropOwningReference(_handle);
        }

        private void TryReap()
        {
            lock (Sync)
            {
                if (State is not null) return;
                Interlocked.Increment(ref _reaps);
                PublishLocked(ProcessState.FromWaitStatus(Pid, _exitCode << 8, ExitStatusSource.Reaped));
            }
            MarkDone();
        }
    }

    /// <summary>A handle that closes nothing.</summary>
    private sealed class FakeHandle : SafeHandle
    {
        internal FakeHandle() : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(7);

        public override bool IsInvalid => handle < 0;

        protected override bool ReleaseHandle() => true;
    }
}
