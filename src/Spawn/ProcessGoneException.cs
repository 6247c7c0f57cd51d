using System.Globalization;

namespace Spawn;

/// <summary>
/// A process was asked for by its unique ID (<c>PID:INODE</c>, see <see cref="ProcessHandle.UniqueId"/>)
/// and its PID now names another process: the process meant has exited, and its PID was handed out again.
/// </summary>
public sealed class ProcessGoneException : SpawnException
{
    internal ProcessGoneException(int pid, ulong expectedUniqueId, ulong actualUniqueId)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Process {pid}:{expectedUniqueId} is gone: PID {pid} now names another process ({pid}:{actualUniqueId}), so the process you meant has exited and its PID was reused."), null)
    {
        Pid = pid;
        ExpectedUniqueId = expectedUniqueId;
        ActualUniqueId = actualUniqueId;
    }

    /// <summary>The PID asked for.</summary>
    public int Pid { get; }

    /// <summary>The unique ID asked for: the process that is gone.</summary>
    public ulong ExpectedUniqueId { get; }

    /// <summary>The unique ID of the process that has the PID now.</summary>
    public ulong ActualUniqueId { get; }
}
