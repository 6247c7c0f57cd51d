using Spawn.Tests.Support;

namespace Spawn.Tests;

public sealed class StartErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Nonexistent_path_is_ENOENT_naming_the_path()
    {
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/no/such/program", ["x"]));
        Assert.Equal("ENOENT", e.ErrorName);
        Assert.Equal(2, e.ErrorCode);
        Assert.Equal("/no/such/program", e.Path);
        Assert.Contains("/no/such/program", e.Message);
        Assert.Contains("ENOENT", e.Message);
    }

    [Fact]
    public void Non_executable_file_is_EACCES()
    {
        string file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "not a program");
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start(file, ["plain"]));
        Assert.Equal("EACCES", e.ErrorName);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Directory_is_EACCES_saying_it_is_a_directory()
    {
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start(_dir, ["dir"]));
        Assert.Equal("EACCES", e.ErrorName);
        Assert.Contains("directory", e.Message);
    }

    [Fact]
    public void Executable_in_unknown_format_is_ENOEXEC()
    {
        string file = Path.Combine(_dir, "garbage");
        File.WriteAllBytes(file, [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start(file, ["garbage"]));
        Assert.Equal("ENOEXEC", e.ErrorName);
    }

    [Fact]
    public void Too_large_arguments_are_E2BIG()
    {
        // Linux limits one argument to 128 KiB (MAX_ARG_STRLEN).
        string huge = new('x', 200_000);
        var e = Assert.Throws<ProcessStartException>(() => ProcessHandle.Start("/bin/true", ["true", huge]));
        Assert.Equal("E2BIG", e.ErrorName);
    }

    [Theory]
    [InlineData("path")]
    [InlineData("argument")]
    [InlineData("environment")]
    [InlineData("directory")]
    public void A_NUL_byte_is_refused_before_anything_starts(string where)
    {
        string path = where == "path" ? "/bin/tr\0ue" : "/bin/true";
        string[] argv = where == "argument" ? ["true", "a\0b"] : ["true"];
        var options = new StartOptions
        {
            Environment = where == "environment" ? ["A=\0"] : null,
            WorkingDirectory = where == "directory" ? "/t\0mp" : null,
        };
        var e = Assert.Throws<ArgumentException>(() => ProcessHandle.Start(path, argv, options));
        Assert.Contains("NUL", e.Message);
        // The message names the string (built only on failure; a start makes no string per argument).
        string named = where switch
        {
            "path" => "The path",
            "argument" => "The argv[1]",
            "environment" => "The StartOptions.Environment[0]",
            _ => "The working directory",
        };
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Missing_working_directory_names_it()
    {
        var e = Assert.Throws<ProcessStartException>(() =>
            ProcessHandle.Start("/bin/true", ["true"], new StartOptions { WorkingDirectory = "/no/such/dir" }));
        Assert.Contains("/no/such/dir", e.Message);
    }

    [Fact]
    public void Empty_argv_and_empty_path_are_argument_errors()
    {
        Assert.Throws<ArgumentException>(() => ProcessHandle.Start("/bin/true", []));
        Assert.Throws<ArgumentException>(() => ProcessHandle.Start("", ["x"]));
    }
}
