using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Paths and the files behind descriptors: access, stat, fstat, fstatfs, rmdir.
internal static partial class Sys
{
    internal const int X_OK = 1;

    /// <summary>access(2): used to tell "found in PATH but not executable" from "not found".</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Access(string path, int mode);

    /// <summary>rmdir(2): removes a cgroup directory; needs no descriptor, so it works with a full fd table.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "rmdir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Rmdir(string path);

    /// <summary>stat(2) into a buffer; on 64-bit Linux st_ino is the second 8-byte field (offset 8).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int Stat(string path, byte* buffer);

    /// <summary>The inode number of <paramref name="path"/> (a cgroup's ID is its directory's inode), or 0.</summary>
    internal static unsafe ulong InodeOf(string path)
    {
        byte* buffer = stackalloc byte[256]; // struct stat is 144 bytes on x86-64 and 128 on arm64
        return Stat(path, buffer) == 0 ? *(ulong*)(buffer + 8) : 0;
    }

    /// <summary>fstat(2) into a buffer of at least 256 bytes (st_ino at offset 8 on 64-bit Linux, as for <see cref="Stat"/>).</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fstat", SetLastError = true)]
    internal static unsafe partial int Fstat(int fd, byte* buffer);

    /// <summary>fstatfs(2) into a buffer of at least 256 bytes; f_type, the file system's magic, is the first 8-byte field on 64-bit Linux.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "fstatfs", SetLastError = true)]
    internal static unsafe partial int Fstatfs(int fd, byte* buffer);
}
