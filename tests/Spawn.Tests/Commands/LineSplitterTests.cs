using System.Text;

namespace Spawn.Tests.Commands;

/// <summary>The line splitter behind StreamLinesAsync and OutputTarget.ToDelegate, fed by hand: every way a read can cut the text.</summary>
public sealed class LineSplitterTests
{
    /// <summary>Feeds <paramref name="feeds"/> in order, taking every line after each, then ends the stream.</summary>
    private static List<string> Split(IEnumerable<byte[]> feeds, Encoding? encoding = null)
    {
        var splitter = new LineSplitter(encoding ?? Encoding.UTF8);
        var lines = new List<string>();
        foreach (byte[] feed in feeds)
        {
            splitter.Feed(feed);
            while (splitter.TryReadLine(out string? line)) lines.Add(line);
        }
        splitter.Feed(ReadOnlyMemory<byte>.Empty, final: true);
        while (splitter.TryReadLine(out string? line)) lines.Add(line);
        return lines;
    }

    private static List<string> Split(params string[] feeds) => Split(feeds.Select(Encoding.UTF8.GetBytes));

    /// <summary>The rule itself: '\n' ends a line, one '\r' before it is dropped, a rest without '\n' is a line.</summary>
    private static List<string> Expected(string text)
    {
        var lines = text.Split('\n').Select(l => l.EndsWith('\r') ? l[..^1] : l).ToList();
        if (lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1); // text ended with '\n' (or was empty)
        return lines;
    }

    /// <summary>Cuts <paramref name="bytes"/> at the given lengths, over and over.</summary>
    private static IEnumerable<byte[]> Cut(byte[] bytes, params int[] sizes)
    {
        for (int offset = 0, i = 0; offset < bytes.Length; i++)
        {
            int size = Math.Min(sizes[i % sizes.Length], bytes.Length - offset);
            yield return bytes[offset..(offset + size)];
            offset += size;
        }
    }

    [Fact]
    public void Many_lines_in_one_read_come_out_in_order()
    {
        string text = string.Concat(Enumerable.Range(1, 5000).Select(i => $"line {i}\n"));
        Assert.Equal(Enumerable.Range(1, 5000).Select(i => $"line {i}"), Split(text));
    }

    [Fact]
    public void A_line_split_across_reads_is_joined()
    {
        Assert.Equal(["hello world", "next"], Split("hel", "lo ", "world\nne", "xt\n"));
    }

    [Fact]
    public void A_carriage_return_before_the_newline_is_dropped_even_when_a_read_ends_between_them()
    {
        Assert.Equal(["a", "b", "c\rd", ""], Split("a\r", "\nb\r\n", "c\rd\n\r\n"));
    }

    [Fact]
    public void Empty_lines_are_kept_and_an_unterminated_last_line_counts()
    {
        Assert.Equal(["", "a", "", "b"], Split("\na\n\nb"));
        Assert.Equal(["last"], Split("last\r"));
        Assert.Empty(Split(""));
        Assert.Empty(Split());
    }

    [Fact]
    public void A_character_split_across_reads_is_decoded_whole()
    {
        byte[] bytes = Encoding.UTF8.GetBytes("é€😀\nb\n");
        // Every cut point, including inside each multi-byte sequence.
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            Assert.Equal(["é€😀", "b"], Split([bytes[..cut], bytes[cut..]]));
        }
    }

    [Fact]
    public void A_stream_that_ends_inside_a_character_gets_a_replacement_character()
    {
        byte[] bytes = [(byte)'a', 0xC3];
        Assert.Equal(["a\uFFFD"], Split([bytes]));
    }

    [Fact]
    public void Any_way_of_cutting_the_bytes_gives_the_same_lines()
    {
        // Lines of every length from 0 to 300 (some with '\r'), and multi-byte characters, cut
        // in reads of sizes that fall everywhere, including past the 16 KiB decoding slice.
        var random = new Random(4);
        var text = new StringBuilder();
        for (int i = 0; i < 3000; i++)
        {
            text.Append(new string('x', random.Next(0, 300))).Append(i % 7 == 0 ? "é" : "").Append(i % 5 == 0 ? "\r\n" : "\n");
        }
        text.Append("tail without newline");
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        List<string> expected = Expected(text.ToString());
        Assert.Equal(expected, Split([bytes]));
        Assert.Equal(expected, Split(Cut(bytes, 1)));
        Assert.Equal(expected, Split(Cut(bytes, 7, 4096, 65536, 3)));
        Assert.Equal(expected, Split(Cut(bytes, 16 * 1024 + 1, 16 * 1024 - 1, 64 * 1024)));
    }

    [Fact]
    public void A_line_longer_than_any_buffer_is_kept_whole()
    {
        string longLine = new('y', 300_000);
        byte[] bytes = Encoding.UTF8.GetBytes($"short\n{longLine}\nafter\n{longLine}");
        Assert.Equal(["short", longLine, "after", longLine], Split(Cut(bytes, 4096, 65536)));
    }

    [Fact]
    public void Lines_are_taken_one_at_a_time_and_the_rest_waits_for_the_next_read()
    {
        var splitter = new LineSplitter(Encoding.UTF8);
        splitter.Feed(Encoding.UTF8.GetBytes("one\ntwo\nthr"));
        Assert.True(splitter.TryReadLine(out string? first));
        Assert.Equal("one", first);
        Assert.True(splitter.TryReadLine(out string? second));
        Assert.Equal("two", second);
        Assert.False(splitter.TryReadLine(out _));
        Assert.False(splitter.TryReadLine(out _)); // asking again loses nothing
        splitter.Feed(Encoding.UTF8.GetBytes("ee\n"));
        Assert.True(splitter.TryReadLine(out string? third));
        Assert.Equal("three", third);
        splitter.Feed(ReadOnlyMemory<byte>.Empty, final: true);
        Assert.False(splitter.TryReadLine(out _));
    }

    [Fact]
    public void Other_encodings_are_decoded_too()
    {
        byte[] bytes = Encoding.Unicode.GetBytes("ab\ncd\r\ne");
        Assert.Equal(["ab", "cd", "e"], Split(Cut(bytes, 3), Encoding.Unicode));
    }
}
