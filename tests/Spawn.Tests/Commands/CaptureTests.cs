using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

/// <summary>OutputBytesAsync end to end: the bytes a child writes, exact, around the capture's chunk boundaries and its limit.</summary>
public sealed class CaptureTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Captured_bytes_are_exact_at_and_around_chunk_boundaries()
    {
        foreach (int size in new[] { 4095, 4096, 4097, 4096 + 8192, 4096 + 8192 + 1, 3_000_001 })
        {
            var data = new byte[size];
            new Random(size).NextBytes(data);
            BinaryCommandResult result = await new Command(ChildProgram.Path, "echo").WithStdin(InputSource.FromBytes(data)).OutputBytesAsync().WaitAsync(HangGuard);
            Assert.Equal(data, result.StandardOutput);
        }
    }

    [Fact]
    public async Task A_capture_limit_at_a_chunk_boundary_keeps_exact_head_and_tail()
    {
        var data = new byte[200_000];
        new Random(7).NextBytes(data);
        BinaryCommandResult result = await new Command(ChildProgram.Path, "echo").WithStdin(InputSource.FromBytes(data))
            .WithCaptureLimit(8192).OutputBytesAsync().WaitAsync(HangGuard);
        byte[] marker = System.Text.Encoding.UTF8.GetBytes($"\n... [{200_000 - 8192} bytes omitted] ...\n");
        Assert.Equal([.. data[..4096], .. marker, .. data[^4096..]], result.StandardOutput);
    }

    [Fact]
    public async Task What_awaits_a_capture_never_runs_on_the_reactor_thread()
    {
        // The drains of captured and discarded output read on the reactor thread; whatever completes
        // the caller's task must not. Output in bursts with pauses, so every drain waits on the
        // reactor several times, and the last bytes and end-of-file come from a background subshell
        // after the shell has exited, so the drains end last and complete the command themselves.
        // Continuations that run synchronously show the completing thread.
        const string Script = "for i in 1 2 3 4 5; do head -c 100000 /dev/zero; echo e >&2; sleep 0.02; done; (sleep 0.2; head -c 10 /dev/zero; echo e >&2) &";
        var threads = new List<string?>();
        void Record(Task task) => task.ContinueWith(_ => { lock (threads) threads.Add(Thread.CurrentThread.Name); }, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var command = new Command("/bin/sh", "-c", Script);
        Task<BinaryCommandResult> bytes = command.OutputBytesAsync();
        Record(bytes);
        Assert.Equal(500_010, (await bytes.WaitAsync(HangGuard)).StandardOutput.Length);
        Task<BufferedCommandResult> text = command.OutputAsync();
        Record(text);
        Assert.Equal(6, (await text.WaitAsync(HangGuard)).StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Task<CommandResult> run = command.WithStdout(OutputTarget.Null).RunAsync(); // stderr: the discarding drain
        Record(run);
        await run.WaitAsync(HangGuard);

        // The continuations may still be running (queued to a pool that is slow on a loaded
        // machine): wait for all three to have recorded, generously.
        Assert.True(Fds.Eventually(() =>
        {
            lock (threads) return threads.Count >= 3;
        }, seconds: 30), "the continuations never all ran");
        lock (threads)
        {
            Assert.Equal(3, threads.Count);
            Assert.DoesNotContain("Spawn epoll reactor", threads);
        }
    }
}
