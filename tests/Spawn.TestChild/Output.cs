using System.Text;

namespace Spawn.TestChild;

/// <summary>
/// Byte-level access to fds 0/1/2. Everything goes through the raw streams from
/// <c>Console.OpenStandard*</c>: they are unbuffered (one <c>write(2)</c> per <c>Write</c>, so
/// "flush after each line" is automatic), retry partial writes and EAGAIN, and silently drop
/// data on EPIPE. The last point means a child whose reader went away still exits 0 rather
/// than dying of an IOException; the runtime ignores SIGPIPE, so it is not killed either.
/// </summary>
internal static class Output
{
    // 1 MiB: a multiple of both the 64-byte pattern line and the 64 KiB interleave chunk, so
    // every chunk cut from the start of the buffer continues the pattern seamlessly.
    private const int BufferSize = 1 << 20;
    private const int InterleaveChunk = 64 << 10;
    private const int LineLength = 64;
    private const string Hex = "0123456789abcdef";

    private static Stream? s_stdin, s_stdout, s_stderr;

    // Opened on first use only: each open dups the fd and initialises a little console state.
    public static Stream Stdin => s_stdin ??= Console.OpenStandardInput();
    public static Stream Stdout => s_stdout ??= Console.OpenStandardOutput();
    public static Stream Stderr => s_stderr ??= Console.OpenStandardError();

    /// <summary>Writes <paramref name="text"/> and a newline to stdout; returns exit code 0.</summary>
    public static int Line(string text)
    {
        WriteLine(Stdout, text);
        return 0;
    }

    /// <summary>Text plus "\n" as UTF-8 in a single write, so a line never interleaves with others.</summary>
    public static void WriteLine(Stream stream, string text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        bytes[^1] = (byte)'\n';
        stream.Write(bytes);
        stream.Flush();
    }

    /// <summary>Copies until EOF on <paramref name="from"/>; returns exit code 0.</summary>
    public static int Copy(Stream from, Stream to)
    {
        byte[] buffer = new byte[BufferSize];
        int read;
        while ((read = from.Read(buffer)) > 0)
        {
            to.Write(buffer.AsSpan(0, read));
        }
        return 0;
    }

    /// <summary>
    /// The byte at offset <paramref name="offset"/> of every pattern stream: 64-byte lines of
    /// "0123456789abcdef" repeated (63 characters, so each line ends in "...abcde") then '\n'.
    /// A stream of N bytes is the first N bytes of this sequence; the last line may be partial.
    /// </summary>
    public static byte PatternByte(long offset)
    {
        int column = (int)(offset % LineLength);
        return column == LineLength - 1 ? (byte)'\n' : (byte)Hex[column % Hex.Length];
    }

    /// <summary>
    /// Writes <paramref name="count"/> pattern bytes to each selected stream. With both, 64 KiB
    /// chunks alternate stdout, stderr, stdout, ... so a reader that drains only one pipe blocks
    /// the child as soon as the other pipe's buffer is full (the classic deadlock to test for).
    /// </summary>
    public static int WritePattern(long count, bool toStdout, bool toStderr)
    {
        byte[] pattern = new byte[BufferSize];
        for (int i = 0; i < pattern.Length; i++)
        {
            pattern[i] = PatternByte(i);
        }

        int chunkSize = toStdout && toStderr ? InterleaveChunk : BufferSize;
        for (long written = 0; written < count; written += chunkSize)
        {
            // Offsets are multiples of chunkSize, so chunks that start at pattern[0] are seamless.
            ReadOnlySpan<byte> chunk = pattern.AsSpan(0, (int)Math.Min(chunkSize, count - written));
            if (toStdout)
            {
                Stdout.Write(chunk);
            }
            if (toStderr)
            {
                Stderr.Write(chunk);
            }
        }
        return 0;
    }
}
