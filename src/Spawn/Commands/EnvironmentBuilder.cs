using System.Collections;

namespace Spawn;

/// <summary>Builds a child's environment from ours (or nothing) and a command's changes.</summary>
internal static class EnvironmentBuilder
{
    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('=', StringComparison.Ordinal)) throw new ArgumentException($"An environment variable name cannot contain '=': '{name}'.", nameof(name));
        if (name.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException($"An environment variable name cannot contain a NUL character: '{name.Replace("\0", "\\0", StringComparison.Ordinal)}'.", nameof(name));
    }

    internal static void ValidateValue(string name, string? value)
    {
        if (value is not null && value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"The value of environment variable '{name}' contains a NUL character.", nameof(value));
        }
    }

    /// <summary>
    /// The final environment as <c>NAME=value</c> entries, or null to pass ours unchanged (the
    /// cheapest case: no copy is made here).
    /// </summary>
    internal static List<string>? Build(Command command, out string? path)
    {
        // On a pseudo-terminal, TERM names its kind, so that programs use colour and cursor control.
        string? term = command.PseudoTerminal?.Term;
        if (!command.ClearsEnvironment && command.EnvironmentChanges.IsEmpty && (term is null || Environment.GetEnvironmentVariable("TERM") is not null))
        {
            path = Environment.GetEnvironmentVariable("PATH");
            return null;
        }
        // Windows treats names without regard to case (Path and PATH are one variable).
        var variables = new Dictionary<string, string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        if (!command.ClearsEnvironment)
        {
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                variables[(string)entry.Key] = (string?)entry.Value ?? "";
            }
        }
        foreach (var (name, value) in command.EnvironmentChanges)
        {
            if (value is null) variables.Remove(name);
            else variables[name] = value; // last change wins
        }
        if (term is not null) variables.TryAdd("TERM", term);
        path = variables.GetValueOrDefault("PATH");
        return [.. variables.Select(v => v.Key + "=" + v.Value)];
    }
}
