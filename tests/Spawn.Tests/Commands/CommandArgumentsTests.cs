using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

public sealed class CommandArgumentsTests
{
    private static Command Child(params string[] args) => new(ChildProgram.Path, args);

    [Fact]
    public async Task An_argument_with_spaces_and_quotes_stays_one_argument()
    {
        string[] args = ["a b", "\"double\"", "'single'", "back\\slash", "", "$(not expanded)", "*"];
        var result = await Child(["print-args", .. args]).OutputAsync();
        Assert.Equal(args.Select((a, i) => $"{i}:{a}"), result.StandardOutput.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void ToString_shows_the_command_as_typed_in_a_shell()
    {
        Assert.Equal("git commit -m 'it'\\''s done' ''", new Command("git", "commit", "-m", "it's done", "").ToString());
        Assert.Equal("ls -la /tmp", new Command("ls", "-la", "/tmp").ToString());
    }

    [Fact]
    public void Command_is_immutable()
    {
        var original = new Command("ls", "-l");
        var changed = original.WithArguments("-a").WithWorkingDirectory("/").WithEnvironment("A", "1");
        Assert.Equal(["-l"], original.Arguments.ToArray());
        Assert.Null(original.WorkingDirectory);
        Assert.Empty(original.EnvironmentChanges);
        Assert.Equal(["-a"], changed.Arguments.ToArray());
    }
}

public sealed class CommandCredentialsTests
{
    [Fact]
    public async Task A_command_can_run_as_nobody()
    {
        var command = new Command("id").WithCredentials(userId: 65534, groupId: 65534);
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone || !Support.Native.IsRoot)
        {
            // Off the fast path the option is refused, never silently dropped.
            if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone) Assert.Throws<PlatformNotSupportedException>(() => command.Start());
            Assert.Skip("running as another user needs root and the Linux fast path.");
        }
        var result = await command.OutputAsync();
        Assert.StartsWith("uid=65534", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("gid=65534", result.StandardOutput);
    }
}
