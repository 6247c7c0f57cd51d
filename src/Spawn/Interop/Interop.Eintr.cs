using System.Runtime.InteropServices;

namespace Spawn.Interop;

/// <summary>
/// The one EINTR rule (Go's ignoringEINTR): a call that failed with EINTR did nothing and is
/// repeated. Written as the condition of the caller's loop,
/// <c>do r = Sys.Call(...); while (Eintr.Interrupted(r));</c>, rather than as a callback, so that
/// calls taking pointers to locals need no closure and allocate nothing. close(2) is the exception
/// and is never repeated: Linux releases the descriptor even when it reports EINTR.
/// </summary>
internal static class Eintr
{
    /// <summary>EINTR, the one errno value this layer itself interprets.</summary>
    internal const int EINTR = 4;

    /// <summary>True when <paramref name="result"/> is a failure (negative) with errno EINTR: repeat the call.</summary>
    internal static bool Interrupted(nint result) => result < 0 && Marshal.GetLastPInvokeError() == EINTR;
}
