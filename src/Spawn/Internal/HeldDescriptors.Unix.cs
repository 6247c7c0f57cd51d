using System.Runtime.InteropServices;

namespace Spawn.Internal;

/// <summary>Raw descriptors of handles held (DangerousAddRef) for the length of a spawn, so none can close meanwhile.</summary>
internal sealed class HeldDescriptors(IReadOnlyList<SafeHandle>? handles)
{
    private int _held;

    /// <summary>The descriptors, once acquired; null when there are none.</summary>
    internal int[]? Fds { get; private set; }

    /// <exception cref="ObjectDisposedException">A handle is closed.</exception>
    internal void Acquire()
    {
        if (handles is null || handles.Count == 0) return;
        Fds = new int[handles.Count];
        for (; _held < handles.Count; _held++)
        {
            bool added = false;
            handles[_held].DangerousAddRef(ref added);
            Fds[_held] = (int)handles[_held].DangerousGetHandle();
        }
    }

    internal void Release()
    {
        for (int i = 0; i < _held; i++) handles![i].DangerousRelease();
        _held = 0;
    }
}
