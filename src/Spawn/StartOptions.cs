using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>
/// How <see cref="ProcessHandle.Start(string, IReadOnlyList{string}, StartOptions?)"/> sets up the child: its working directory, environment,
/// file descriptors and process group. Every property has a safe default.
/// </summary>
public sealed class StartOptions
{
    /// <summary>The child's working directory; null keeps ours. A relative program path is resolved against it.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// The child's complete environment as <c>NAME=value</c> entries; null passes this process's
    /// environment as .NET sees it (including <see cref="Environment.SetEnvironmentVariable(string, string)"/> changes).
    /// </summary>
    public IReadOnlyList<string>? Environment { get; init; }

    /// <summary>The file the child gets as fd 0; null gives it /dev/null.</summary>
    public SafeHandle? Stdin { get; init; }

    /// <summary>The file the child gets as fd 1; null gives it /dev/null.</summary>
    public SafeHandle? Stdout { get; init; }

    /// <summary>The file the child gets as fd 2; null gives it /dev/null.</summary>
    public SafeHandle? Stderr { get; init; }

    /// <summary>Files the child gets as fd 3, 4, ... in order. The child gets no other descriptors.</summary>
    public IReadOnlyList<SafeHandle>? ExtraFiles { get; init; }

    /// <summary>Start the child as the leader of a new process group (its pgid is its pid).</summary>
    public bool NewProcessGroup { get; init; }

    /// <summary>Start the child as the leader of a new session (setsid), detached from our terminal.</summary>
    public bool NewSession { get; init; }
}
