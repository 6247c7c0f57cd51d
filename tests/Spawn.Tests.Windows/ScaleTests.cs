using System.Diagnostics;
using System.IO.Pipes;
using Spawn.Interop;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>Many children at once on a few threads, and no handle left behind.</summary>
[Collection(nameof(ProcessWideCollection))]
public sealed class ScaleTests
{
    private const int Children = 200;

    /// <summary>
    /// cmd.exe, waiting for a line on its stdin, is the lightest child that stays until told: 200
    /// .NET children would need gigabytes.
    /// </summary>
    private static readonly string s_cmd = Path.Combine(Environment.SystemDirectory, "cmd.exe");

    [Fact]
    public async Task Two_hundred_children_run_at_once_and_their_waits_need_no_thread_each()
    {
        int threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var inputs = new List<AnonymousPipeServerStream>();
        var children = new List<ProcessHandle>();
        int peakThreads = 0;
        try
        {
            for (int i = 0; i < Children; i++)
            {
                var input = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.None);
                inputs.Add(input);
                children.Add(ProcessHandle.Start(s_cmd, ["cmd.exe", "/q", "/c", $"set /p line= & exit {i % 100}"], new StartOptions { Stdin = input.ClientSafePipeHandle }));
                input.DisposeLocalCopyOfClientHandle();
            }
            Task<ProcessState>[] waits = [.. children.Select(c => c.WaitAsync(TestContext.Current.CancellationToken))];
            Assert.DoesNotContain(waits, w => w.IsCompleted);
            peakThreads = Process.GetCurrentProcess().Threads.Count;

            foreach (AnonymousPipeServerStream input in inputs) input.Dispose();
            ProcessState[] states = await Task.WhenAll(waits).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);

            Assert.Equal(Enumerable.Range(0, Children).Select(i => (int?)(i % 100)), states.Select(s => s.ExitCode));
        }
        finally
        {
            foreach (AnonymousPipeServerStream input in inputs) input.Dispose();
            foreach (ProcessHandle child in children)
            {
                child.Kill();
                child.Wait();
                child.Dispose();
            }
        }
        // The thread pool's wait threads watch up to 63 handles each: a handful for 200, not 200.
        Assert.True(peakThreads - threadsBefore < 40, $"{peakThreads - threadsBefore} more threads with {Children} children waited for");
    }

    [Fact]
    public void Starting_and_waiting_for_children_leaves_no_handle_behind()
    {
        RunChildren(10); // warm up: the thread pool's threads and the runtime's own handles
        uint before = HandleCount();
        RunChildren(30);
        uint after = HandleCount();

        Assert.True(after <= before + 3, $"{after - before} more handles after 30 children ({before} -> {after})");
    }

    private static void RunChildren(int count)
    {
        for (int i = 0; i < count; i++)
        {
            using ProcessHandle child = ProcessHandle.Start(s_cmd, ["cmd.exe", "/c", "exit 4"]);
            Assert.Equal(4, child.WaitAsync(TestContext.Current.CancellationToken).Result.ExitCode);
        }
        using ProcessHandle killed = ProcessHandle.Start(s_cmd, ["cmd.exe", "/q", "/c", "set /p line="], new StartOptions { Stdin = null });
        killed.Kill();
        killed.Wait();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(200); // registered waits are removed by the wait thread
    }

    private static uint HandleCount()
    {
        Assert.True(Kernel32.GetProcessHandleCount(Kernel32.GetCurrentProcess(), out uint count));
        return count;
    }
}

/// <summary>Tests that count the process's threads or handles run alone.</summary>
[CollectionDefinition(nameof(ProcessWideCollection), DisableParallelization = true)]
public sealed class ProcessWideCollection;
