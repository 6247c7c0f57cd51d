using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// A pipe whose write end only this process holds, so that the child reading the other end sees
/// end-of-file when this process dies in any way (a process tree's sentinel). Both ends
/// close-on-exec; the write end placed high, as it lives as long as its owner.
/// </summary>
internal static unsafe class LifelinePipe
{
    /// <exception cref="SpawnException">pipe2 failed (EMFILE, ...).</exception>
    internal static (SafeFileHandle Read, SafeFileHandle Write) Create()
    {
        int* fds = stackalloc int[2];
        if (Sys.Pipe2(fds, Sys.O_CLOEXEC) != 0)
        {
            throw SpawnException.FromErrno("Creating the pipe that tells a process tree's sentinel we are alive (pipe2)", Errno.Last());
        }
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(DescriptorPlacement.MoveHigh(fds[1]), ownsHandle: true));
    }

    /// <summary>Writes one newline; true when it was written.</summary>
    internal static bool WriteLine(SafeFileHandle writeEnd)
    {
        byte* line = stackalloc byte[] { (byte)'\n' };
        nint written;
        do
        {
            written = Sys.Write(writeEnd, line, 1);
        }
        while (Eintr.Interrupted(written));
        return written == 1;
    }

    /// <summary>Waits, up to <paramref name="bound"/>, until no reader is left on the pipe (POLLERR on the write end).</summary>
    internal static bool WaitForNoReader(SafeFileHandle writeEnd, TimeSpan bound)
    {
        long deadline = Environment.TickCount64 + (long)bound.TotalMilliseconds;
        while (true)
        {
            int remaining = (int)Math.Max(0, deadline - Environment.TickCount64);
            int ready = Sys.Poll(writeEnd, 0, remaining, out short revents);
            if (ready > 0) return (revents & Sys.POLLERR) != 0;
            if (ready < 0 && !Eintr.Interrupted(ready)) return false;
            if (ready == 0 && remaining == 0) return false;
        }
    }
}
