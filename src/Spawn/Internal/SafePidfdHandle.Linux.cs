using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The pidfd, in its own allocation (Go's processHandle). SafeHandle is the reference count:
/// DangerousAddRef/DangerousRelease are the transient acquire/release, Dispose drops the owning
/// reference, and the descriptor is closed exactly once, when the last reference is gone. Its
/// critical finalizer is the cleanup Go attaches with AddCleanup.
/// </summary>
internal sealed class SafePidfdHandle : SafeHandle
{
    internal SafePidfdHandle(int fd) : base(invalidHandleValue: -1, ownsHandle: true)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>The descriptor number; only valid while the caller holds a reference.</summary>
    internal int Fd => (int)handle;

    protected override bool ReleaseHandle() => Sys.Close((int)handle) == 0;
}
