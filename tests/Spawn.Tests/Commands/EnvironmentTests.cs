using Spawn.Tests.Support;

namespace Spawn.Tests.Commands;

public sealed class EnvironmentTests
{
    private static async Task<string[]> PrintEnv(Command command, params string[] names) =>
        (await command.WithArguments(["print-env", .. names]).OutputAsync()).StandardOutput.TrimEnd('\n').Split('\n');

    private static readonly Command Child = new(ChildProgram.Path);

    [Fact]
    public async Task Set_and_inherit()
    {
        Environment.SetEnvironmentVariable("SPAWN_CMD_INHERITED", "from parent");
        try
        {
            string[] lines = await PrintEnv(Child.WithEnvironment("SPAWN_CMD_SET", "x y"), "SPAWN_CMD_SET", "SPAWN_CMD_INHERITED");
            Assert.Equal(["SPAWN_CMD_SET=x y", "SPAWN_CMD_INHERITED=from parent"], lines);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SPAWN_CMD_INHERITED", null);
        }
    }

    [Fact]
    public async Task Remove_an_inherited_variable()
    {
        Environment.SetEnvironmentVariable("SPAWN_CMD_REMOVED", "present");
        try
        {
            Assert.Equal(["SPAWN_CMD_REMOVED unset"], await PrintEnv(Child.WithoutEnvironment("SPAWN_CMD_REMOVED"), "SPAWN_CMD_REMOVED"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SPAWN_CMD_REMOVED", null);
        }
    }

    [Fact]
    public async Task Duplicate_keys_resolve_last_wins()
    {
        Command command = Child.WithEnvironment("DUP", "first").WithEnvironment("DUP", "second")
            .WithEnvironment("GONE", "x").WithoutEnvironment("GONE").WithEnvironment("BACK", null).WithEnvironment("BACK", "again");
        Assert.Equal(["DUP=second", "GONE unset", "BACK=again"], await PrintEnv(command, "DUP", "GONE", "BACK"));
    }

    [Fact]
    public async Task Cleared_environment_has_only_what_is_set()
    {
        var result = await new Command("/usr/bin/env").WithClearedEnvironment().WithEnvironment("ONLY", "1").OutputAsync();
        Assert.Equal("ONLY=1\n", result.StandardOutput);
    }

    [Theory]
    [InlineData("A=B")]
    [InlineData("A\0B")]
    [InlineData("")]
    public void Bad_names_are_refused_with_a_clear_error(string name)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => Child.WithEnvironment(name, "v"));
        Assert.False(string.IsNullOrWhiteSpace(e.Message));
    }

    [Fact]
    public void A_NUL_in_a_value_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Child.WithEnvironment("NAME", "a\0b"));
        Assert.Contains("NAME", e.Message);
        Assert.Contains("NUL", e.Message);
    }
}
