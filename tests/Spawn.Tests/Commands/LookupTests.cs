using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

/// <summary>PATH lookup and working directory. Each test makes its own directory of programs.</summary>
public sealed class LookupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-lookup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Script(string relativePath, string body, bool executable = true)
    {
        string path = Path.Combine(_dir, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (executable) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task A_bare_name_is_found_in_the_PATH_the_command_sets()
    {
        Script("bin/hello-spawn", "echo found");
        var result = await new Command("hello-spawn").WithEnvironment("PATH", Path.Combine(_dir, "bin") + ":/usr/bin:/bin").OutputAsync();
        Assert.Equal("found\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_bare_name_uses_our_PATH_when_the_command_sets_none()
    {
        var result = await new Command("sh", "-c", "echo ok").OutputAsync();
        Assert.Equal("ok\n", result.StandardOutput);
    }

    [Fact]
    public void Not_found_is_a_clear_ENOENT()
    {
        var e = Assert.Throws<ProcessStartException>(() => new Command("no-such-program-spawn").Start());
        Assert.Equal("ENOENT", e.ErrorName);
        Assert.Contains("not found in PATH", e.Message);
    }

    [Fact]
    public void Found_but_not_executable_is_EACCES()
    {
        Script("bin/not-exec", "echo no", executable: false);
        var e = Assert.Throws<ProcessStartException>(() =>
            new Command("not-exec").WithEnvironment("PATH", Path.Combine(_dir, "bin")).Start());
        Assert.Equal("EACCES", e.ErrorName);
        Assert.Contains("not executable", e.Message);
    }

    [Fact]
    public void A_directory_of_that_name_in_PATH_is_EACCES_as_execvp_says()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin", "a-directory"));
        var e = Assert.Throws<ProcessStartException>(() =>
            new Command("a-directory").WithEnvironment("PATH", Path.Combine(_dir, "bin")).Start());
        Assert.Equal("EACCES", e.ErrorName);
        Assert.Contains("a directory", e.Message);
    }

    [Fact]
    public async Task A_directory_earlier_in_PATH_does_not_hide_the_program_after_it()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "first", "shadowed"));
        Script("second/shadowed", "echo second");
        var result = await new Command("shadowed").WithEnvironment("PATH", Path.Combine(_dir, "first") + ":" + Path.Combine(_dir, "second")).OutputAsync();
        Assert.Equal("second\n", result.StandardOutput);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("::")]
    public async Task Dot_and_empty_PATH_entries_are_not_used_unless_allowed(string pathVariable)
    {
        Script("dotted", "echo from cwd");
        Command command = new Command("dotted").WithWorkingDirectory(_dir).WithEnvironment("PATH", pathVariable);

        var e = Assert.Throws<ProcessStartException>(() => command.Start());
        Assert.Contains("relative PATH entry", e.Message);

        var result = await command.WithRelativePathLookup().OutputAsync();
        Assert.Equal("from cwd\n", result.StandardOutput);
    }

    [Fact]
    public void Empty_PATH_finds_nothing_absolute()
    {
        var e = Assert.Throws<ProcessStartException>(() => new Command("sh").WithEnvironment("PATH", "").Start());
        Assert.Equal("ENOENT", e.ErrorName);
    }

    [Fact]
    public async Task Working_directory_with_absolute_and_relative_program_paths()
    {
        Script("sub/tool", "pwd");
        var absolute = await new Command(Path.Combine(_dir, "sub/tool")).WithWorkingDirectory("/usr").OutputAsync();
        Assert.Equal("/usr\n", absolute.StandardOutput);

        // A path with a '/' is relative to the child's working directory.
        var relative = await new Command("sub/tool").WithWorkingDirectory(_dir).OutputAsync();
        Assert.Equal(_dir + "\n", relative.StandardOutput);
        var dotSlash = await new Command("./tool").WithWorkingDirectory(Path.Combine(_dir, "sub")).OutputAsync();
        Assert.Equal(Path.Combine(_dir, "sub") + "\n", dotSlash.StandardOutput);
    }
}
