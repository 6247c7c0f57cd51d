using System.Runtime.InteropServices;
using Spawn.Interop;

namespace Spawn.Internal;

/// <summary>
/// The files a child gets as fd 0..n-1, held by reference for the duration of the spawn so no
/// other thread can close them underneath. A source fd that sits inside 0..n-1 at another place
/// than its own would be overwritten by an earlier dup2 in the child, so it is first duplicated
/// (close-on-exec) above n.
/// </summary>
internal struct ChildFileTable
{
    private readonly SafeHandle[] _handles;
    private readonly int[] _fds;
    private readonly bool[] _added;
    private readonly bool[] _temporary;

    internal ChildFileTable(StartOptions? options)
    {
        int extra = options?.ExtraFiles?.Count ?? 0;
        _handles = new SafeHandle[3 + extra];
        // With a pseudo-terminal, its slave is all three (Spawner refuses other stdio with one).
        SafeHandle unset = options?.TerminalSlave ?? (SafeHandle)DevNull.Handle;
        _handles[0] = options?.Stdin ?? unset;
        _handles[1] = options?.Stdout ?? unset;
        _handles[2] = options?.Stderr ?? unset;
        for (int i = 0; i < extra; i++)
        {
            _handles[3 + i] = options!.ExtraFiles![i] ?? throw new ArgumentException($"ExtraFiles[{i}] is null.", nameof(options));
        }
        _fds = new int[_handles.Length];
        _added = new bool[_handles.Length];
        _temporary = new bool[_handles.Length];
    }

    internal readonly int Count => _handles.Length;

    internal readonly int SourceFd(int target) => _fds[target];

    /// <summary>The source fd of each target 0..n-1, after <see cref="Acquire"/>.</summary>
    internal readonly ReadOnlySpan<int> SourceFds => _fds;

    internal readonly void Acquire()
    {
        for (int i = 0; i < _handles.Length; i++)
        {
            SafeHandle handle = _handles[i];
            if (handle.IsInvalid) throw new ArgumentException($"The handle for child fd {i} is invalid.");
            handle.DangerousAddRef(ref _added[i]);
            // A descriptor is an int: a larger value would be truncated to some other fd of ours.
            nint value = handle.DangerousGetHandle();
            if (value < 0 || value > int.MaxValue)
            {
                throw new ArgumentException($"The handle for child fd {i} holds {value}, which is not a file descriptor (0 to {int.MaxValue}).");
            }
            _fds[i] = (int)value;
        }
        for (int i = 0; i < _fds.Length; i++)
        {
            if (_fds[i] < _fds.Length && _fds[i] != i)
            {
                int moved = Sys.Fcntl(_fds[i], Sys.F_DUPFD_CLOEXEC, _fds.Length);
                if (moved < 0) throw SpawnException.FromErrno("Duplicating a descriptor for the child", Errno.Last());
                _fds[i] = moved;
                _temporary[i] = true;
            }
        }
    }

    internal readonly void Release()
    {
        for (int i = 0; i < _handles.Length; i++)
        {
            if (_temporary[i]) Sys.Close(_fds[i]);
            if (_added[i]) _handles[i].DangerousRelease();
        }
    }
}
