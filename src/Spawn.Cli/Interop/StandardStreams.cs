using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Spawn.Cli.Interop;

/// <summary>
/// Our stdout and stderr as raw descriptors: one write per message, no System.Console. Console's
/// first use costs start-up time (encodings, terminal set-up when a stream is a terminal), and a
/// tool that sits in front of every command in a script must start fast. A write that fails (a
/// closed pipe: SIGPIPE is ignored by .NET, so it is EPIPE) is dropped, as Console drops it. The
/// writes go through the BCL's own file code: the CLI calls no native code of its own.
/// </summary>
internal static class StandardStreams
{
    private static readonly SafeFileHandle s_stdout = new(1, ownsHandle: false);
    private static readonly SafeFileHandle s_stderr = new(2, ownsHandle: false);

    /// <summary>Writes <paramref name="text"/> to stdout as it is.</summary>
    internal static void Out(string text) => Write(s_stdout, text);

    /// <summary>Writes <paramref name="line"/> and a newline to stderr, in one write.</summary>
    internal static void ErrorLine(string line) => Write(s_stderr, line + "\n");

    /// <summary>Writes <paramref name="line"/> and a newline to stdout, in one write.</summary>
    internal static void OutLine(string line) => Write(s_stdout, line + "\n");

    private static void Write(SafeFileHandle descriptor, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            // Unbuffered: the bytes go out in this call, and the stream owns nothing to close.
            using var stream = new FileStream(descriptor, FileAccess.Write, bufferSize: 0);
            stream.Write(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ObjectDisposedException)
        {
            // A closed or missing stream: nothing to tell, and no one to tell it to.
        }
    }
}
