namespace Spawn.Tests.Support;

/// <summary>The helper program the tests start (tests/Spawn.TestChild), built next to the tests.</summary>
internal static class ChildProgram
{
    /// <summary>The helper's apphost executable.</summary>
    internal static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "Spawn.TestChild");

    /// <summary>argv for the helper: argv[0] then the command and its arguments.</summary>
    internal static string[] Argv(params string[] command) => [Path, .. command];

    /// <summary>Starts the helper with <paramref name="command"/>.</summary>
    internal static ProcessHandle Start(StartOptions? options, params string[] command) =>
        ProcessHandle.Start(Path, Argv(command), options);

    internal static ProcessHandle Start(params string[] command) => Start(null, command);
}
