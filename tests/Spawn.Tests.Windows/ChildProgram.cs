using System.Globalization;
using System.Runtime.InteropServices;

namespace Spawn.Tests.Windows;

/// <summary>
/// The process under test: this same program started as "Spawn.Tests.Windows.exe child COMMAND ...".
/// Bad usage exits 2 with a message, so a mistyped command fails loudly instead of hanging.
/// </summary>
internal static class ChildProgram
{
    internal const string Verb = "child";

    /// <summary>This program, as the path to start.</summary>
    internal static string Path => System.Environment.ProcessPath!;

    /// <summary>argv for the child running <paramref name="command"/>.</summary>
    internal static string[] Argv(params string[] command) => [Path, Verb, .. command];

    internal static int Run(ReadOnlySpan<string> args)
    {
        if (args.Length == 0) return Usage("no command");
        switch (args[0])
        {
            case "exit" when args.Length == 2:
                // The full 32-bit code, as Windows keeps it.
                return unchecked((int)uint.Parse(args[1], CultureInfo.InvariantCulture));
            case "sleep" when args.Length == 2:
                Thread.Sleep(TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture)));
                return 0;
            case "burn" when args.Length == 2:
                // Keeps one CPU busy for so many seconds, for CPU accounting.
                var clock = System.Diagnostics.Stopwatch.StartNew();
                double spin = 0;
                while (clock.Elapsed < TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture))) spin = Math.Sqrt(spin + 2);
                return spin > 0 ? 0 : 1;
            case "grandchild-burns" when args.Length == 2:
                // A grandchild burns CPU for so many seconds; this child waits for it.
                using (var burner = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path, [Verb, "burn", args[1]]) { UseShellExecute = false })!)
                {
                    burner.WaitForExit();
                    return burner.ExitCode;
                }
            case "print-args":
                // One line per argument: its UTF-16 code units in hex, so any string reads back exactly.
                using (var output = new StreamWriter(Console.OpenStandardOutput()))
                {
                    foreach (string argument in args[1..])
                    {
                        output.WriteLine(Convert.ToHexString(MemoryMarshal.AsBytes(argument.AsSpan())));
                    }
                }
                return 0;
            case "print-env" when args.Length == 2:
                return WriteUtf8(System.Environment.GetEnvironmentVariable(args[1]) ?? "(unset)");
            case "print-cwd":
                return WriteUtf8(System.Environment.CurrentDirectory);
            case "echo":
                using (Stream input = Console.OpenStandardInput(), output = Console.OpenStandardOutput())
                {
                    input.CopyTo(output);
                }
                return 0;
            case "write-stdout" when args.Length == 2:
                using (Stream output = Console.OpenStandardOutput())
                {
                    long remaining = long.Parse(args[1], CultureInfo.InvariantCulture);
                    byte[] chunk = Pattern(251 * 256); // whole periods, so chunk after chunk continues the pattern
                    while (remaining > 0)
                    {
                        int n = (int)Math.Min(remaining, chunk.Length);
                        output.Write(chunk, 0, n);
                        remaining -= n;
                    }
                }
                return 0;
            case "write-extra-handles":
                // Writes "hello N" to each extra handle the parent passed (their values are in the environment).
                foreach (string value in (System.Environment.GetEnvironmentVariable("SPAWN_EXTRA_HANDLES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(nint.Parse(value, CultureInfo.InvariantCulture), ownsHandle: true);
                    using var stream = new FileStream(handle, FileAccess.Write);
                    stream.Write(System.Text.Encoding.ASCII.GetBytes("hello " + value));
                }
                return 0;
            case "lines" when args.Length == 2:
                // "line i": odd i to stdout, even i to stderr.
                using (var stdout = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true })
                using (var stderr = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true })
                {
                    int count = int.Parse(args[1], CultureInfo.InvariantCulture);
                    for (int i = 1; i <= count; i++) (i % 2 == 1 ? stdout : stderr).Write($"line {i}\n");
                }
                return 0;
            case "grandchild-then-sleep" when args.Length == 2:
                // Starts a grandchild that sleeps as long, prints its ID, then sleeps.
                using (var grandchild = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Path, [Verb, "sleep", args[1]]) { UseShellExecute = false })!)
                {
                    WriteUtf8(grandchild.Id.ToString(CultureInfo.InvariantCulture) + "\n");
                    Thread.Sleep(TimeSpan.FromSeconds(double.Parse(args[1], CultureInfo.InvariantCulture)));
                }
                return 0;
            default:
                return Usage($"unknown command or wrong arguments: {string.Join(' ', args.ToArray())}");
        }
    }

    /// <summary>The bytes write-stdout repeats: 0, 1, ..., 250, 0, 1, ... (a prime period, so a misplaced chunk shows).</summary>
    internal static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)(i % 251);
        return bytes;
    }

    /// <summary>UTF-8 whatever the console's code page (Console.Out would use it, and Wine's differs).</summary>
    private static int WriteUtf8(string text)
    {
        using Stream output = Console.OpenStandardOutput();
        output.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return 0;
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"Spawn.Tests.Windows child: {problem}");
        return 2;
    }
}
