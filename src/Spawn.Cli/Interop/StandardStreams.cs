using System.Runtime.InteropServices;
using System.Text;

namespace Spawn.Cli.Interop;

/// <summary>
/// Our stdout and stderr as raw descriptors: one write(2) per message, no System.Console. Console's
/// first use costs start-up time (encodings, terminal set-up when a stream is a terminal), and a
/// tool that sits in front of every command in a script must start fast. A write that fails (a
/// closed pipe: SIGPIPE is ignored by .NET, so it is EPIPE) is dropped, as Console drops it.
/// </summary>
internal static partial class StandardStreams
{
    private const int EINTR = 4;

    /// <summary>Writes <paramref name="text"/> to stdout as it is.</summary>
    internal static void Out(string text) => Write(1, text);

    /// <summary>Writes <paramref name="line"/> and a newline to stderr, in one write.</summary>
    internal static void ErrorLine(string line) => Write(2, line + "\n");

    /// <summary>Writes <paramref name="line"/> and a newline to stdout, in one write.</summary>
    internal static void OutLine(string line) => Write(1, line + "\n");

    private static unsafe void Write(int fd, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* start = bytes)
        {
            int done = 0;
            while (done < bytes.Length)
            {
                nint written = WriteRaw(fd, start + done, (nuint)(bytes.Length - done));
                if (written < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EINTR) continue;
                    return;
                }
                done += (int)written;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteRaw(int fd, byte* buffer, nuint count);
}
