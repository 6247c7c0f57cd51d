namespace Spawn.Cli;

/// <summary>
/// A mistake in how the tool was called: reported in one line (none when the message is empty,
/// as GNU timeout does for a missing operand), then "Try '... --help' for more information.", never
/// with a stack trace.
/// </summary>
internal sealed class UsageException(string message) : Exception(message);
