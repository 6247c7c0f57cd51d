namespace Spawn.Cli;

/// <summary>A mistake in how the tool was called: reported in one line, never with a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);
