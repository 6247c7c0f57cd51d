using System.Buffers;
using System.Runtime.InteropServices;
using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

/// <summary>
/// OutputPooledAsync end to end: the bytes handed out in the capture's own pooled buffers are exactly
/// what the child wrote, the buffers go back to the pool at Dispose, and the result refuses reads after it.
/// </summary>
public sealed class PooledCaptureTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Pooled_bytes_are_exact_for_binary_output_around_chunk_boundaries_and_large()
    {
        foreach (int size in new[] { 0, 1, 4095, 4096, 4097, 4096 + 8192 + 1, 3_000_001, 24_000_007 })
        {
            var data = new byte[size];
            new Random(size).NextBytes(data);
            using PooledCommandResult result = await new Command(ChildProgram.Path, "echo").WithStdin(InputSource.FromBytes(data))
                .OutputPooledAsync().WaitAsync(HangGuard);
            Assert.Equal(size, result.StandardOutput.Length);
            Assert.True(data.AsSpan().SequenceEqual(result.StandardOutput.ToArray()), $"{size} bytes differ");
            Assert.True(result.StandardError.IsEmpty);
            // More than a chunk holds stays in several buffers: nothing joined them.
            if (size > 4096) Assert.False(result.StandardOutput.IsSingleSegment, $"{size} bytes in one segment");
        }
    }

    [Fact]
    public async Task Stdout_and_stderr_are_kept_apart_and_the_blocking_form_gives_the_same_bytes()
    {
        var command = new Command("/bin/sh", "-c", "head -c 70000 /dev/zero | tr '\\0' a; printf 'err' >&2");
        using PooledCommandResult pooled = command.OutputPooled();
        BinaryCommandResult bytes = await command.OutputBytesAsync().WaitAsync(HangGuard);
        Assert.Equal(bytes.StandardOutput, pooled.StandardOutput.ToArray());
        Assert.Equal("err"u8.ToArray(), pooled.StandardError.ToArray());
        Assert.True(pooled.Success);
    }

    [Fact]
    public async Task A_capture_limit_keeps_the_same_head_marker_and_tail_as_the_array_form()
    {
        var data = new byte[200_000];
        new Random(11).NextBytes(data);
        Command command = new Command(ChildProgram.Path, "echo").WithStdin(InputSource.FromBytes(data)).WithCaptureLimit(10_000);
        using PooledCommandResult pooled = await command.OutputPooledAsync().WaitAsync(HangGuard);
        BinaryCommandResult bytes = await command.OutputBytesAsync().WaitAsync(HangGuard);
        Assert.Equal(bytes.StandardOutput, pooled.StandardOutput.ToArray());
        Assert.True(pooled.StandardOutput.ToArray().AsSpan().IndexOf("bytes omitted"u8) > 0);
    }

    [Fact]
    public async Task Dispose_gives_the_buffers_back_to_the_shared_pool()
    {
        // 3,000 bytes fit in the first chunk (4 KiB from the shared pool). The shared pool keeps the
        // array returned last on a thread for that thread's next rent of the same size, so renting
        // right after Dispose, on the same thread, yields the capture's own buffer.
        PooledCommandResult result = await new Command("head", "-c", "3000", "/dev/zero").OutputPooledAsync().WaitAsync(HangGuard);
        Assert.True(result.StandardOutput.IsSingleSegment);
        Assert.True(MemoryMarshal.TryGetArray(result.StandardOutput.First, out ArraySegment<byte> segment));
        byte[] buffer = segment.Array!;

        result.Dispose();
        byte[] rented = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            Assert.Same(buffer, rented);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [Fact]
    public async Task Reading_after_dispose_throws_and_a_second_dispose_does_nothing()
    {
        PooledCommandResult result = await new Command("/bin/sh", "-c", "echo out; echo err >&2").OutputPooledAsync().WaitAsync(HangGuard);
        Assert.Equal("out\n"u8.ToArray(), result.StandardOutput.ToArray());
        result.Dispose();
        Assert.Throws<ObjectDisposedException>(() => result.StandardOutput);
        Assert.Throws<ObjectDisposedException>(() => result.StandardError);
        result.Dispose();
        Assert.Equal(0, result.State.ExitCode); // the run's own figures stay readable
    }

    [Fact]
    public async Task A_failing_command_throws_as_the_array_form_does()
    {
        await Assert.ThrowsAsync<CommandFailedException>(() => new Command("/bin/sh", "-c", "echo x; exit 3").OutputPooledAsync().WaitAsync(HangGuard));
        using PooledCommandResult result = await new Command("/bin/sh", "-c", "echo x; exit 3").WithExitCodeValidation(false).OutputPooledAsync().WaitAsync(HangGuard);
        Assert.Equal(3, result.State.ExitCode);
        Assert.Equal("x\n"u8.ToArray(), result.StandardOutput.ToArray());
    }
}
