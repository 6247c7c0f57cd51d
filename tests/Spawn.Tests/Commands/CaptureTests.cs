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
}
