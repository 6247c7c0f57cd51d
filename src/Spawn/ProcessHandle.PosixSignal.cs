using System.Runtime.InteropServices;

namespace Spawn;

public sealed partial class ProcessHandle
{
    /// <summary>Sends <paramref name="signal"/> to the process (see <see cref="Signal(int)"/>).</summary>
    /// <returns>True when delivered; false when the process has already finished.</returns>
    public bool Signal(PosixSignal signal) => Signal(Signals.FromPosixSignal(signal));
}
