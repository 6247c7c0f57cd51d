using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// Reads and writes cgroup interface files with errno kept, never turned into an empty string: an
/// unreadable <c>cgroup.events</c> means "unknown", which is not "empty". A tree keeps the files it
/// needs to end itself open from its creation (close-on-exec, placed high), so that killing,
/// watching and accounting still work when this process has no descriptor left to open one.
/// </summary>
internal static class CgroupFile
{
    /// <summary>Opens <paramref name="path"/> close-on-exec, placed high; null when it does not exist (optional files).</summary>
    /// <exception cref="SpawnException">Any other failure, EMFILE naming RLIMIT_NOFILE included.</exception>
    internal static SafeFileHandle? OpenIfPresent(string path, FileAccess access)
    {
        int fd = OpenRaw(path, access == FileAccess.Read ? Sys.O_RDONLY : Sys.O_WRONLY, out Errno errno);
        if (fd >= 0) return new SafeFileHandle(DescriptorPlacement.MoveHigh(fd), ownsHandle: true);
        if (errno == Errno.ENOENT) return null;
        throw SpawnException.FromErrno($"Opening {path}", errno);
    }

    /// <summary>Opens <paramref name="path"/> close-on-exec, placed high.</summary>
    /// <exception cref="SpawnException">It could not be opened.</exception>
    internal static SafeFileHandle Open(string path, FileAccess access) =>
        OpenIfPresent(path, access) ?? throw SpawnException.FromErrno($"Opening {path}", Errno.ENOENT);

    /// <summary>The whole file, read from its start (a cgroup file regenerates its text on each read from offset 0).</summary>
    /// <exception cref="SpawnException">The read failed (ENODEV once the cgroup is removed).</exception>
    internal static unsafe string Read(SafeFileHandle file, string path)
    {
        byte[] buffer = new byte[512];
        int length = 0;
        while (true)
        {
            if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            nint read;
            fixed (byte* start = buffer)
            {
                do
                {
                    read = Sys.Pread(file, start + length, (nuint)(buffer.Length - length), length);
                }
                while (Eintr.Interrupted(read));
            }
            if (read < 0) throw SpawnException.FromErrno($"Reading {path}", Errno.Last());
            if (read == 0) return Encoding.ASCII.GetString(buffer, 0, length);
            length += (int)read;
        }
    }

    /// <summary>Opens, reads and closes <paramref name="path"/>; null when it does not exist (or, under /proc, the process is gone).</summary>
    /// <exception cref="SpawnException">Any other failure, EMFILE included.</exception>
    internal static string? ReadIfPresent(string path)
    {
        int fd = OpenRaw(path, Sys.O_RDONLY, out Errno errno);
        if (fd < 0)
        {
            if (errno is Errno.ENOENT or Errno.ESRCH) return null;
            throw SpawnException.FromErrno($"Opening {path}", errno);
        }
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            return Read(file, path);
        }
        catch (SpawnException e) when (e.Error == Errno.ESRCH)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="text"/> at the start of an open control file (cgroup.kill).</summary>
    /// <exception cref="SpawnException">The write failed.</exception>
    internal static unsafe void Write(SafeFileHandle file, string path, string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        nint written;
        fixed (byte* start = bytes)
        {
            do
            {
                written = Sys.Pwrite(file, start, (nuint)bytes.Length, 0);
            }
            while (Eintr.Interrupted(written));
        }
        if (written < 0) throw SpawnException.FromErrno($"Writing \"{text}\" to {path}", Errno.Last());
    }

    /// <summary>Opens <paramref name="path"/>, writes <paramref name="text"/> and closes it (a limit, a controller to enable).</summary>
    /// <exception cref="SpawnException">Opening or writing failed; the errno is kept (EBUSY, EINVAL, EACCES, ...).</exception>
    internal static void WriteOnce(string path, string text)
    {
        int fd = OpenRaw(path, Sys.O_WRONLY, out Errno errno);
        if (fd < 0) throw SpawnException.FromErrno($"Opening {path}", errno);
        using var file = new SafeFileHandle(fd, ownsHandle: true);
        Write(file, path, text);
    }

    /// <summary>
    /// Blocks until the file reports a change (POLLPRI: cgroup.events after its last read), the
    /// timeout passes or a signal interrupts; false when poll itself failed.
    /// </summary>
    internal static bool WaitForChange(SafeFileHandle file, int timeoutMilliseconds)
    {
        int ready = Sys.Poll(file, Sys.POLLPRI, timeoutMilliseconds, out _);
        return ready >= 0 || Eintr.Interrupted(ready);
    }

    private static int OpenRaw(string path, int flags, out Errno errno)
    {
        int fd;
        do
        {
            fd = Sys.Open(path, flags | Sys.O_CLOEXEC, 0);
        }
        while (Eintr.Interrupted(fd));
        errno = fd < 0 ? Errno.Last() : 0;
        return fd;
    }
}
