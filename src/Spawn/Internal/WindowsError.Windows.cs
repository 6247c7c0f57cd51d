using System.Globalization;
using System.Runtime.InteropServices;

namespace Spawn.Internal;

/// <summary>Windows error codes as messages name them.</summary>
internal static class WindowsError
{
    /// <summary>"Windows error 2: The system cannot find the file specified."</summary>
    internal static string Describe(int error) =>
        $"Windows error {error.ToString(CultureInfo.InvariantCulture)}: {Marshal.GetPInvokeErrorMessage(error)}";
}
