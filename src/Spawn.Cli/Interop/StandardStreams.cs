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
    /// <summary>Writes <paramref name="text"/> to stdout as it is.</summary>
    internal static void Out(string text) => Write(1, text);

    /// <summary>Writes <paramref name="line"/> and a newline to stderr, in one write.</summary>
    internal static void ErrorLine(string line) => Write(2, line + "\n");

    /// <summary>Writes <paramref name="line"/> and a newline to stdout, in one write.</summary>
    internal static void OutLine(string line) => Write(1, line + "\n");

    private static void Write(int descriptor, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        try
        {
            if (!OperatingSystem.IsLinux())
            {
                // Windows: the standard handles are not descriptors 1 and 2. Still raw, no console set-up.
                using Stream standard = descriptor == 1 ? Console.OpenStandardOutput() : Console.OpenStandardError();
                standard.Write(bytes);
                return;
            }
            // Unbuffered: the bytes go out in this call. A handle of its own each time, which does not
            // own the descriptor: disposing the stream disposes its handle, never closes our stdout.
            using var stream = new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
            stream.Write(bytes);
            // A regular file (2>log) is written at the stream's own position (pwrite), which leaves
            // the descriptor's offset where it was: what the program or the shell writes next would
            // overwrite the message. FileStream moves the offset past what it wrote when its handle
            // is handed out, so hand it out.
            if (stream.CanSeek) _ = stream.SafeFileHandle;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or ObjectDisposedException)
        {
            // A closed or missing stream: nothing to tell, and no one to tell it to.
        }
    }
}
