namespace Spawn.Internal;

/// <summary>
/// A limit on a tree cannot be had here: its controller is in no hierarchy, cannot be enabled, or
/// cannot express it. The tree (a layer above) reports it as a <c>CgroupUnavailableException</c>.
/// </summary>
internal sealed class CgroupLimitException(string message, Exception? inner = null) : Exception(message, inner);
