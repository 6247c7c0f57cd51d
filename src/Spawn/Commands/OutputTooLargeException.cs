namespace Spawn;

/// <summary>
/// A command wrote more to a captured stream than one .NET array can hold
/// (<see cref="OutputTooLargeException.MaxCaptureBytes"/>, just under 2 GiB). The process ran to its
/// end (the rest was read and dropped, so it never blocked on a full pipe); use
/// <see cref="Command.WithCaptureLimit"/> to keep the head and tail of such output, or stream it
/// (<see cref="OutputTarget.ToStream(System.IO.Stream)"/>, <see cref="Command.StreamLinesAsync(System.Text.Encoding?, CancellationToken)"/>).
/// </summary>
public sealed class OutputTooLargeException : SpawnException
{
    /// <summary>The most bytes a capture without a limit keeps: <see cref="Array.MaxLength"/>.</summary>
    public static long MaxCaptureBytes => Array.MaxLength;

    internal OutputTooLargeException(long written)
        : base($"The command wrote {written} bytes to a captured stream; a capture holds at most {MaxCaptureBytes} bytes (Array.MaxLength). Set WithCaptureLimit to keep its head and tail, or stream the output instead.", null)
    {
        BytesWritten = written;
    }

    /// <summary>How many bytes the command wrote to the stream.</summary>
    public long BytesWritten { get; }
}
