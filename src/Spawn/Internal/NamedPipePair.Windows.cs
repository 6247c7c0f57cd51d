using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Pipes to children on Windows. Our end is the server of a named pipe opened for overlapped I/O
/// (its operations complete on the I/O completion port: no thread per pipe); the child's end is the
/// client, opened for ordinary synchronous I/O as programs expect. Neither is inheritable: the
/// child gets its end through the start's handle list only.
/// </summary>
[SupportedOSPlatform("windows")]
internal static class NamedPipePair
{
    /// <summary>Buffer asked for each direction: fewer wake-ups when a child writes fast.</summary>
    private const int BufferSize = 64 * 1024;

    private static long s_counter;

    /// <summary>Our end (a <see cref="ChildPipeStream"/>) and the child's.</summary>
    /// <exception cref="SpawnException">The pipe could not be created.</exception>
    internal static (SafeFileHandle ChildEnd, ChildPipeStream OurEnd) Create(bool childReads)
    {
        // A name nobody else can guess before we connect: our PID, a counter and a random part.
        string name = $"spawn-{System.Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}-{Guid.NewGuid():N}";
        NamedPipeServerStream server;
        try
        {
            server = new NamedPipeServerStream(name, childReads ? PipeDirection.Out : PipeDirection.In, 1, PipeTransmissionMode.Byte,
                PipeOptions.Asynchronous, childReads ? 0 : BufferSize, childReads ? BufferSize : 0);
        }
        catch (IOException e)
        {
            throw new SpawnException($"Creating a pipe for a child failed: {e.Message}", Errno.EMFILE);
        }
        SafeFileHandle client = Kernel32.CreateFile(@"\\.\pipe\" + name, childReads ? Kernel32.GENERIC_READ : Kernel32.GENERIC_WRITE, 0, 0, Kernel32.OPEN_EXISTING, 0, 0);
        if (client.IsInvalid)
        {
            int error = Marshal.GetLastPInvokeError();
            client.Dispose();
            server.Dispose();
            throw new SpawnException($"Opening the child's end of a pipe failed: {WindowsError.Describe(error)}", Errno.EMFILE);
        }
        // The client is connected already; this only moves the server to the connected state.
        server.WaitForConnection();
        return (client, new OverlappedPipeStream(server, readable: !childReads));
    }

    /// <summary>A pipe between two children (a pipeline): both ends synchronous, as programs expect. No byte of it passes through us.</summary>
    internal static (SafeFileHandle Read, SafeFileHandle Write) CreateBetweenChildren()
    {
        if (!Kernel32.CreatePipe(out SafeFileHandle read, out SafeFileHandle write, 0, BufferSize))
        {
            int error = Marshal.GetLastPInvokeError();
            read.Dispose();
            write.Dispose();
            throw new SpawnException($"Creating a pipe between two commands failed: {WindowsError.Describe(error)}", Errno.EMFILE);
        }
        return (read, write);
    }

    /// <summary>Our standard handle 0, 1 or 2 (not owned), for a child that shares it.</summary>
    internal static SafeFileHandle Standard(int fd) =>
        new(Kernel32.GetStdHandle(fd switch
        {
            0 => Kernel32.STD_INPUT_HANDLE,
            1 => Kernel32.STD_OUTPUT_HANDLE,
            2 => Kernel32.STD_ERROR_HANDLE,
            _ => throw new ArgumentOutOfRangeException(nameof(fd), fd, "Windows has standard handles 0, 1 and 2 only."),
        }), ownsHandle: false);
}
