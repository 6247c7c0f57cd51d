using System.Diagnostics;
using System.Globalization;
using Spawn;

namespace Spawn.TestHost.Faults;

/// <summary>
/// <c>Spawn.TestHost starved-pool</c>: the thread pool held at its floor (as many workers as CPUs,
/// no injection above it) and every worker blocked, as in a production incident; then each
/// synchronous Command API is called from the main thread, with a watchdog. A synchronous call must
/// complete on the calling thread and Spawn's own threads. Prints one line per call
/// ("ok NAME" or "HUNG NAME") and "starved pool: N ok, N hung"; exits 0 when none hung.
/// </summary>
internal static class StarvedPool
{
    /// <summary>Each call finishes in well under a second when it works; one that needs the pool never does.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    internal static int Run()
    {
        // Spawn's once-only set-up (the reactor, /dev/null, PID mode's SIGCHLD registration) first.
        new Command("true").Start().Wait();
        bool trees = TreesWork();

        using var release = new ManualResetEventSlim();
        int workers = PoolStarvation.Starve(release).Workers;

        Console.WriteLine($"pool: {workers} workers blocked, mode {(ProcessHandle.UsesPidfd ? "handle" : "pid")} path {ProcessHandle.SpawnPath}");

        int ok = 0, hung = 0;
        void Check(string name, Action call)
        {
            var clock = Stopwatch.StartNew();
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                try
                {
                    call();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }) { IsBackground = true, Name = name };
            thread.Start();
            if (!thread.Join(Bound))
            {
                hung++;
                Console.WriteLine($"HUNG {name} (still running after {Bound.TotalSeconds:0} s)");

                return;
            }
            if (failure is not null)
            {
                hung++;
                Console.WriteLine($"FAILED {name}: {failure.GetType().Name}: {failure.Message}");
                return;
            }
            ok++;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ok {name} ({clock.Elapsed.TotalMilliseconds:0} ms)"));
        }

        Check("Wait of a child that exits", () => Expect(new Command("true").Start().Wait().ExitCode == 0, "exit code"));
        Check("Wait of a failing child quotes its stderr", () =>
        {
            try
            {
                new Command("sh", "-c", "echo broke >&2; exit 3").Start().Wait();
                throw new InvalidOperationException("no CommandFailedException");
            }
            catch (CommandFailedException e)
            {
                Expect(e.StderrTail == "broke", $"stderr tail '{e.StderrTail}'");
            }
        });
        Check("Wait with a background job holding stderr", () => Expect(new Command("sh", "-c", "sleep 2 & exit 0").Start().Wait().Success, "exit"));
        Check("Wait past a timeout", () =>
        {
            try
            {
                new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(200)).WithCancelSignal(Signals.SIGTERM, TimeSpan.FromMilliseconds(200)).Start().Wait();
                throw new InvalidOperationException("no CommandTimeoutException");
            }
            catch (CommandTimeoutException)
            {
            }
        });
        Check("Wait of a child that ignores SIGTERM, past the grace period", () =>
        {
            try
            {
                new Command("sh", "-c", "trap '' TERM; sleep 30 & wait").WithTimeout(TimeSpan.FromMilliseconds(200))
                    .WithCancelSignal(Signals.SIGTERM, TimeSpan.FromMilliseconds(300)).Start().Wait();
                throw new InvalidOperationException("no CommandTimeoutException");
            }
            catch (CommandTimeoutException e)
            {
                Expect(e.Result.State.Signal == Signals.SIGKILL, $"state {e.Result.State}");
            }
        });
        Check("Dispose of a running child", () =>
        {
            ChildProcess child = new Command("sleep", "30").Start();
            child.Dispose();
            Expect(child.Handle.HasExited, "not reaped");
        });
        Check("Dispose of a running child with a pipe to the caller", () =>
        {
            ChildProcess child = new Command("sh", "-c", "sleep 30 & sleep 30").WithStdout(OutputTarget.Pipe).Start();
            child.Dispose();
        });
        Check("Dispose of a running pipeline", () =>
        {
            PipelineProcess pipeline = (new Command("sleep", "30") | new Command("cat") | new Command("cat")).Start();
            pipeline.Dispose();
        });
        Check("Dispose of a finished pipeline", () =>
        {
            PipelineProcess pipeline = (new Command("echo", "hi") | new Command("cat")).Start();
            foreach (ChildProcess member in pipeline.Members) member.Wait();
            pipeline.Dispose();
        });
        Check("Command.Run", () => Expect(new Command("true").Run().Success, "exit"));
        Check("Command.Output captures both streams", () =>
        {
            BufferedCommandResult result = new Command("sh", "-c", "echo out; echo err >&2").Output();
            Expect(result.StandardOutput == "out\n" && result.StandardError == "err\n", $"capture '{result.StandardOutput}' '{result.StandardError}'");
        });
        Check("Command.OutputBytes past a timeout, without throwing", () =>
            Expect(new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(200)).WithThrowOnFailure(false).OutputBytes().Outcome == CommandOutcome.TimedOut, "outcome"));
        Check("Pipeline.Output", () => Expect((new Command("echo", "hi") | new Command("cat")).Output().StandardOutput == "hi\n", "capture"));
        Check("Pipeline.Run past the pipeline's timeout", () =>
            Expect((new Command("sleep", "30") | new Command("cat")).WithTimeout(TimeSpan.FromMilliseconds(200)).WithThrowOnFailure(false).Run().Outcome == CommandOutcome.TimedOut, "outcome"));
        if (trees)
        {
            Check("Wait of a command in a process tree that leaves a background job", () =>
                Expect(new Command("sh", "-c", "sleep 30 & exit 0").WithProcessTree().Start().Wait().Success, "exit"));
        }
        else
        {
            Console.WriteLine("tree case not run: process trees cannot be used here");
        }

        release.Set();
        var (children, zombies) = Libc.ChildCount();
        if (children != 0)
        {
            hung++;
            Console.WriteLine($"FAILED {children} children left ({zombies} zombies)");
        }
        Console.WriteLine($"starved pool: {ok} ok, {hung} hung");
        return hung == 0 ? 0 : 1;
    }

    private static bool TreesWork()
    {
        try
        {
            ProcessTree.Create().Dispose();
            return true;
        }
        catch (CgroupUnavailableException)
        {
            return false;
        }
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition) throw new InvalidOperationException($"unexpected {what}");
    }
}
