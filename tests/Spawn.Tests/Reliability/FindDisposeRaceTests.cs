using Spawn.Tests.Support;

namespace Spawn.Tests.Reliability;

/// <summary>
/// <c>Find(pid).WaitAsync()</c> racing <c>Dispose()</c> on another thread: whichever wins, the wait
/// ends (with the state, or ObjectDisposedException) without waiting for the process to exit, and no
/// exit-watcher registration keeps the pidfd open afterwards. Counts fds, so it runs alone.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class FindDisposeRaceTests
{
    private const int Rounds = 3000;

    [Fact]
    public void A_wait_racing_dispose_ends_and_leaves_no_registration()
    {
        using var target = ProcessHandle.Start("/bin/sleep", ["sleep", "120"]);
        try
        {
            ProcessHandle.Find(target.Pid).Dispose(); // lasting fds (epoll, reactor) exist from here on
            IReadOnlyDictionary<int, string> before = Fds.Table();
            var waits = new Task<ProcessState>?[Rounds];
            var handles = new ProcessHandle[Rounds];
            using var barrier = new Barrier(2);
            int round = 0;
            var waiter = new Thread(() =>
            {
                for (int i = 0; i < Rounds; i++)
                {
                    barrier.SignalAndWait();
                    try
                    {
                        waits[i] = handles[i].WaitAsync();
                    }
                    catch (ObjectDisposedException)
                    {
                        // Dispose came first: refused at once, which is an end too.
                    }
                    barrier.SignalAndWait();
                }
            });
            waiter.Start();
            for (; round < Rounds; round++)
            {
                handles[round] = ProcessHandle.Find(target.Pid);
                barrier.SignalAndWait();
                if (round % 2 == 0) Thread.SpinWait(round % 64); // vary who goes first
                handles[round].Dispose();
                barrier.SignalAndWait();
            }
            waiter.Join();

            var pending = waits.Where(w => w is not null).Select(w => w!).ToArray();
            Assert.True(Task.WaitAll(pending.Select(w => w.ContinueWith(static _ => { }, TaskScheduler.Default)).ToArray(), TimeSpan.FromSeconds(20)),
                $"{pending.Count(w => !w.IsCompleted)} of {pending.Length} waits never ended though their handles were disposed");
            Assert.All(pending, w => Assert.IsType<ObjectDisposedException>(w.Exception?.InnerException));
            Assert.False(target.HasExited);
            Assert.True(Fds.NoneOpenedSince(before, out string opened), $"open after {Rounds} rounds and not before: {opened}");
        }
        finally
        {
            target.Kill();
            target.Wait();
        }
    }
}
