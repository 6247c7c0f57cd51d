using System.Text.Json;
using Spawn.Tests.Support;

namespace Spawn.Tests.Cli;

/// <summary>`spawn run --memory/--cpus/--pids/--nofile/--nice ...`, end to end, and the id and limits in --stats and --json.</summary>
public sealed class LimitToolTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-cli-limits-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Memory_past_the_limit_is_OOM_killed_and_stats_and_json_say_so()
    {
        TreeAvailability.SkipUnlessTreesWork();
        string json = Path.Combine(_dir, "stats.json");
        var outcome = await Tool.RunAsync("run", "--memory", "32M", "--stats", "--json", json, "60", "awk", "BEGIN { s = \"x\"; while (1) s = s s }");
        output.WriteLine(outcome.Stderr);
        Assert.Equal(128 + Signals.SIGKILL, outcome.ShellStatus); // as the program ended, so does spawn
        Assert.Contains("out of memory: the kernel's OOM killer ended the command at its memory limit of 32 MiB", outcome.Stderr, StringComparison.Ordinal);

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        Assert.Equal(["memory"], root.GetProperty("limits_reached").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("tree_oom_kills").GetInt64() >= 1);
        Assert.True(root.GetProperty("tree").GetBoolean()); // --memory implies --tree
    }

    [Fact]
    public async Task A_fork_bomb_under_pids_is_reported_in_stats()
    {
        TreeAvailability.SkipUnlessTreesWork();
        string json = Path.Combine(_dir, "stats.json");
        var outcome = await Tool.RunAsync("run", "--pids", "8", "--stats", "--json", json, "2", "sh", "-c", "b() { b | b & }; b; wait");
        output.WriteLine(outcome.Stderr);
        Assert.Contains("refused at the limit of 8 processes", outcome.Stderr, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Contains("processes", document.RootElement.GetProperty("limits_reached").EnumerateArray().Select(e => e.GetString()));
        Assert.True(document.RootElement.GetProperty("tree_forks_refused").GetInt64() > 0);
    }

    [Fact]
    public async Task Cpus_hold_a_busy_loop_under_its_share()
    {
        TreeAvailability.SkipUnlessTreesWork();
        string json = Path.Combine(_dir, "stats.json");
        var outcome = await Tool.RunAsync("run", "--cpus", "0.5", "--json", json, "2", "sh", "-c", "while :; do :; done & while :; do :; done");
        Assert.Equal(124, outcome.State.ExitCode);
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        double cpus = (root.GetProperty("tree_user_seconds").GetDouble() + root.GetProperty("tree_system_seconds").GetDouble()) / root.GetProperty("wall_seconds").GetDouble();
        output.WriteLine($"{cpus:0.00} CPUs");
        Assert.InRange(cpus, 0.05, 0.8);
    }

    [Fact]
    public async Task The_program_sees_its_open_file_limit_and_nice_value()
    {
        if (ProcessHandle.SpawnPath != SpawnPath.LinuxClone)
        {
            var refused = await Tool.RunAsync("run", "--nofile", "77", "--", "true");
            Assert.Equal(125, refused.State.ExitCode);
            Assert.StartsWith("spawn: limits: ", refused.Stderr, StringComparison.Ordinal);
            return;
        }
        var outcome = await Tool.RunAsync("run", "--nofile", "77", "--nice", "5", "--cpu-seconds", "30", "--core", "0", "--", "sh", "-c", "ulimit -n; nice; ulimit -t; ulimit -c");
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Equal("77\n5\n30\n0\n", outcome.Stdout);
    }

    [Fact]
    public async Task Stats_and_json_print_the_programs_id()
    {
        string json = Path.Combine(_dir, "stats.json");
        var outcome = await Tool.RunAsync("run", "--stats", "--json", json, "--", "true");
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement root = document.RootElement;
        string id = root.GetProperty("id").GetString()!;
        Assert.Contains($"; id {id}", outcome.Stderr, StringComparison.Ordinal);
        Assert.StartsWith($"{root.GetProperty("pid").GetInt32()}", id, StringComparison.Ordinal);
        using var self = ProcessHandle.Find(Environment.ProcessId);
        if (self.UniqueId is null)
        {
            Assert.Equal(JsonValueKind.Null, root.GetProperty("unique_id").ValueKind);
        }
        else
        {
            Assert.Equal($"{root.GetProperty("pid").GetInt32()}:{root.GetProperty("unique_id").GetUInt64()}", id);
        }
        Assert.Empty(root.GetProperty("limits_reached").EnumerateArray());
    }

    [Theory]
    [InlineData("--memory", "lots", "invalid size for --memory")]
    [InlineData("--cpus", "0", "invalid limit")]
    [InlineData("--nice", "99", "invalid limit")]
    [InlineData("--cpu-affinity", "3-1", "invalid CPU list")]
    public async Task Bad_limit_values_are_usage_errors(string option, string value, string message)
    {
        var outcome = await Tool.RunAsync("run", option, value, "--", "true");
        Assert.Equal(125, outcome.State.ExitCode);
        Assert.Contains(message, outcome.Stderr, StringComparison.Ordinal);
    }
}
