using System.Runtime.InteropServices;
using Spawn.Internal;
using Spawn.Tests.Windows.Support;

namespace Spawn.Tests.Windows;

/// <summary>
/// Windows passes one command line; every string must come back out of it unchanged, through the
/// MSVC runtime's split (the child, a .NET program, gets argv from it) and CommandLineToArgvW.
/// </summary>
public sealed partial class ArgumentTests
{
    internal static readonly string[] s_hostile =
    [
        "", " ", "  ", "a b", "\"", "\"\"", "\"a\"", "\\", "\\\\", "a\\", "a\\\\", "a\\\\\\", "\\\"", "\\\\\"", "a\\\"b", "a\"b",
        "a\\\\\"b c", "\t", "\n", "a\tb", "a\nb", "\v", "ü€😀", "%PATH%", "!x!", "^&|<>()", "trailing space ", "  leading",
        @"C:\Program Files\", @"\\server\share\", "*?", "--flag=\"x y\"", "{\"json\": [1, \"two\"]}", "'single'", "a\"\"b",
        "\\\\\\\"\\\"", "end\\", "x\" \"y", "-", "--", "/c", "\u00a0nbsp",
    ];

    [Fact]
    public void Every_hostile_string_reaches_the_child_unchanged()
    {
        (byte[] output, ProcessState state) = Child.Run(["print-args", .. s_hostile]);

        Assert.Equal(0, state.ExitCode);
        string[] lines = Child.Text(output).Split("\r\n", StringSplitOptions.None)[..^1];
        string[] received = [.. lines.Select(line => new string(MemoryMarshal.Cast<byte, char>(Convert.FromHexString(line))))];
        Assert.Equal(s_hostile, received);
    }

    [Fact]
    public void Every_hostile_string_reads_back_through_CommandLineToArgvW()
    {
        string[] argv = ["C:\\Program Files\\my program.exe", .. s_hostile];
        string line = WindowsCommandLine.Build(argv);

        Assert.Equal(argv, Split(line));
    }

    [Fact]
    public void Each_string_alone_reads_back_too_so_no_neighbour_hides_a_mistake()
    {
        foreach (string argument in s_hostile)
        {
            string[] argv = ["prog", argument];
            Assert.Equal(argv, Split(WindowsCommandLine.Build(argv)));
        }
    }

    [Fact]
    public void A_program_name_with_a_quote_cannot_be_passed_and_says_so()
    {
        var e = Assert.Throws<ArgumentException>(() => ProcessHandle.Start(ChildProgram.Path, ["my\"prog", "x"]));
        Assert.Contains("argv[0]", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ProcessHandle.Start(ChildProgram.Path, ["prog", "a\0b"]));
    }

    [Fact]
    public void A_command_line_over_the_Windows_limit_is_E2BIG()
    {
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start(ChildProgram.Path, ["prog", new string('x', 40_000)]));
        Assert.Equal("E2BIG", e.ErrorName);
    }

    private static unsafe string[] Split(string line)
    {
        nint argv = CommandLineToArgvW(line, out int count);
        Assert.NotEqual(0, argv);
        try
        {
            return [.. Enumerable.Range(0, count).Select(i => Marshal.PtrToStringUni(((nint*)argv)[i])!)];
        }
        finally
        {
            LocalFree(argv);
        }
    }

    [LibraryImport("shell32.dll", StringMarshalling = StringMarshalling.Utf16)]
    private static partial nint CommandLineToArgvW(string commandLine, out int count);

    [LibraryImport("kernel32.dll")]
    private static partial nint LocalFree(nint memory);
}
