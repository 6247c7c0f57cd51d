using System.Runtime.Versioning;

[assembly: SupportedOSPlatform("windows")]

namespace Spawn.Tests.Windows;

/// <summary>
/// The runner's entry point: "child ..." makes this program the child the tests start (see
/// <see cref="ChildProgram"/>); anything else runs the tests, as xUnit's generated entry point would.
/// </summary>
internal static class Program
{
    private static int Main(string[] args) =>
        args.Length > 0 && args[0] == ChildProgram.Verb
            ? ChildProgram.Run(args.AsSpan(1))
            : Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
}
