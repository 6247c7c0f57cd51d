using System.Text;

namespace Spawn.Tests.Commands;

/// <summary>
/// The capture buffer fed as the output drain feeds it: reads straight into the space it lends, or
/// through WriteAsync when it lends none. Sizes fall on and around its chunk boundaries (4 KiB, then
/// doubling) and the head/tail split of a capture limit.
/// </summary>
public sealed class CaptureBufferTests
{
    private static byte[] Data(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Feeds <paramref name="data"/> in reads of at most <paramref name="readSize"/>, as the drain does.</summary>
    private static byte[] Capture(byte[] data, int readSize, int? limit = null)
    {
        var buffer = new CaptureBuffer(limit);
        int offset = 0;
        while (offset < data.Length)
        {
            Memory<byte> lent = buffer.GetReadBuffer();
            Memory<byte> target = lent.IsEmpty ? new byte[readSize] : lent;
            int read = Math.Min(Math.Min(readSize, target.Length), data.Length - offset);
            data.AsSpan(offset, read).CopyTo(target.Span);
            if (lent.IsEmpty) buffer.WriteAsync(target[..read]).AsTask().GetAwaiter().GetResult();
            else buffer.Advance(read);
            offset += read;
        }
        _ = buffer.GetReadBuffer(); // the drain asks for room once more before it meets end-of-file
        return buffer.ToArray();
    }

    /// <summary>What a capture limit keeps: the first half, a marker, the last half.</summary>
    private static byte[] Limited(byte[] data, int limit)
    {
        if (data.Length <= limit) return data;
        int head = limit / 2, tail = limit - head;
        byte[] marker = Encoding.UTF8.GetBytes($"\n... [{data.Length - head - tail} bytes omitted] ...\n");
        return [.. data[..head], .. marker, .. data[^tail..]];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(4096 + 8192)]
    [InlineData(4096 + 8192 + 1)]
    [InlineData((1 << 21) - 4096)] // the chunks up to 1 MiB, all full
    [InlineData(3 << 20)]
    public void Every_byte_is_kept_in_order_whatever_the_read_size(int length)
    {
        byte[] data = Data(length);
        foreach (int readSize in new[] { 1000, 4096, 65536, 1 << 20 })
        {
            Assert.Equal(data, Capture(data, readSize));
        }
    }

    [Theory]
    [InlineData(8192, 4096)] // the head is exactly the first chunk
    [InlineData(8192, 8191)]
    [InlineData(8192, 8192)]
    [InlineData(8192, 8193)]
    [InlineData(8192, 100_000)]
    [InlineData(8193, 100_000)] // odd limit: the tail gets the extra byte
    [InlineData(64, 1_000_000)]
    [InlineData(3_000_000, 2_999_999)]
    [InlineData(3_000_000, 7_000_000)] // the head spans chunks up to 1 MiB
    public void A_limit_keeps_the_head_and_the_tail_with_a_marker(int limit, int length)
    {
        byte[] data = Data(length);
        foreach (int readSize in new[] { 1000, 4096, 65536, 1 << 20 })
        {
            Assert.Equal(Limited(data, limit), Capture(data, readSize, limit));
        }
    }

    [Fact]
    public void Lent_space_never_goes_past_the_head_of_a_limit()
    {
        var buffer = new CaptureBuffer(limit: 6000);
        buffer.WriteAsync(new byte[100]).AsTask().GetAwaiter().GetResult();
        Assert.Equal(2900, buffer.GetReadBuffer().Length);
        buffer.Advance(2900);
        Assert.True(buffer.GetReadBuffer().IsEmpty); // the rest goes through WriteAsync, to the tail
    }
}
