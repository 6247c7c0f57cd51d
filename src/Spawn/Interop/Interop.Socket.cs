using System.Runtime.InteropServices;

namespace Spawn.Interop;

// Unix-domain sockets: a socket pair, and receiving a message with descriptors attached (SCM_RIGHTS).
internal static unsafe partial class Sys
{
    internal const int AF_UNIX = 1;
    internal const int SOCK_SEQPACKET = 5;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int MSG_CMSG_CLOEXEC = 0x40000000;
    internal const int SOL_SOCKET = 1;
    internal const int SCM_RIGHTS = 1;

    /// <summary>socketpair(2): 0 and two connected sockets in <paramref name="fds"/>, or -1 with errno set.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int SocketPair(int domain, int type, int protocol, int* fds);

    /// <summary>recvmsg(2): the bytes received (0 at end of stream), or -1 with errno set.</summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "recvmsg", SetLastError = true)]
    internal static partial nint RecvMsg(int fd, MsgHdr* message, int flags);
}

/// <summary>struct msghdr on 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    internal void* Name;
    internal uint NameLength;
    internal IoVec* Iov;
    internal nuint IovLength;
    internal void* Control;
    internal nuint ControlLength;
    internal int Flags;
}

/// <summary>struct iovec.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    internal void* Base;
    internal nuint Length;
}

/// <summary>struct cmsghdr on 64-bit Linux carrying one int (CMSG_SPACE(sizeof(int)) is 24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CmsgOneFd
{
    internal nuint Length;
    internal int Level;
    internal int Type;
    internal int Fd;
    internal int Padding;
}
