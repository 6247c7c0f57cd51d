using System.Text.Json;

namespace Spawn.Tests.Cli;

/// <summary>What every GNU-style tool does: usage errors, --version, a man page, completions; and the report's honesty.</summary>
public sealed class ToolConventionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spawn-conv-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task No_arguments_is_a_usage_error_125_with_a_try_line()
    {
        var outcome = await Tool.RunAsync();
        Assert.Equal(125, outcome.State.ExitCode);
        Assert.Equal("Try 'spawn --help' for more information.\n", outcome.Stderr);
        Assert.Equal("", outcome.Stdout);
    }

    [Fact]
    public async Task An_unknown_command_is_125()
    {
        var outcome = await Tool.RunAsync("frobnicate");
        Assert.Equal(125, outcome.State.ExitCode);
        Assert.EndsWith("Try 'spawn --help' for more information.\n", outcome.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--version")]
    [InlineData("run", "--version")]
    [InlineData("wait", "-V")]
    public async Task Version_prints_one_line_and_succeeds(params string[] args)
    {
        var outcome = await Tool.RunAsync(args);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Matches(@"^spawn \d+\.\d+\.\d+\n$", outcome.Stdout);
    }

    [Fact]
    public async Task The_man_page_is_the_help_text_and_doc_spawn_1_is_up_to_date()
    {
        var man = await Tool.RunAsync("--man");
        Assert.Equal(0, man.State.ExitCode);
        Assert.StartsWith(".TH SPAWN 1", man.Stdout, StringComparison.Ordinal);
        var help = await Tool.RunAsync("run", "--help");
        // Every option of the help is an entry of the page.
        foreach (string option in new[] { "\\-\\-kill\\-after=DURATION", "\\-\\-foreground", "\\-\\-preserve\\-status", "\\-\\-json=FILE", "\\-\\-count=<count>" })
        {
            Assert.Contains(".TP\n" + (option.StartsWith("\\-\\-count", StringComparison.Ordinal) ? "\\-c, " : option.StartsWith("\\-\\-kill", StringComparison.Ordinal) ? "\\-k, " : "") + option, man.Stdout);
        }
        Assert.Contains("--kill-after", help.Stdout);
        string committed = File.ReadAllText(Path.Combine(Repository.Root, "doc", "spawn.1"));
        Assert.True(committed == man.Stdout, "doc/spawn.1 differs from `spawn --man`: regenerate it with `dotnet run --project src/Spawn.Cli -- --man > doc/spawn.1`");
    }

    [Theory]
    [InlineData("bash", "complete -F _spawn spawn")]
    [InlineData("zsh", "#compdef spawn")]
    [InlineData("fish", "complete -c spawn")]
    public async Task Completion_scripts_name_every_option(string shell, string marker)
    {
        var outcome = await Tool.RunAsync("completion", shell);
        Assert.Equal(0, outcome.State.ExitCode);
        Assert.Contains(marker, outcome.Stdout);
        foreach (string option in new[] { "kill-after", "preserve-status", "foreground", "verbose", "exited", "count" })
        {
            Assert.Contains(option, outcome.Stdout);
        }
    }

    [Fact]
    public async Task The_bash_completion_script_is_valid_bash()
    {
        var script = await Tool.RunAsync("completion", "bash");
        string file = Path.Combine(_dir, "spawn.bash");
        File.WriteAllText(file, script.Stdout);
        var check = await Tool.RunProgramAsync("/bin/bash", ["bash", "-n", file]);
        Assert.True(check.State.ExitCode == 0, check.Stderr);
    }

    [Fact]
    public async Task Json_to_stdout_is_refused_because_stdout_is_the_programs()
    {
        var outcome = await Tool.RunAsync("run", "--json", "-", "--", "echo", "hi");
        Assert.Equal(125, outcome.State.ExitCode);
        Assert.Equal("", outcome.Stdout);
        Assert.Contains("stdout belongs to the program", outcome.Stderr);
    }

    /// <summary>
    /// Peak memory against GNU time, for a tiny program and one that holds 100 MiB: the program's own
    /// figure, within 1 MiB of GNU time's, never spawn's own (tens of MiB) folded in at exec.
    /// </summary>
    [Theory]
    [InlineData("tiny", new[] { "true" })]
    [InlineData("100 MiB", new[] { "perl", "-e", "$x = 'a' x (100 * 1024 * 1024); sleep 0.2" })]
    public async Task Peak_memory_is_the_programs_own_within_1_MiB_of_GNU_time(string name, string[] program)
    {
        if (!File.Exists("/usr/bin/time")) Assert.Skip("GNU time (/usr/bin/time, Debian package time) is not installed; tests/run.sh installs it");
        if (!File.Exists(Path.Combine(AppContext.BaseDirectory, "spawn-exec"))) Assert.Skip("spawn-exec was not built here (no static C library?)");
        string json = Path.Combine(_dir, "stats.json");
        var ours = await Tool.RunAsync(["run", "--stats", "--json", json, "--", .. program]);
        Assert.Equal(0, ours.State.ExitCode);
        var gnu = await Tool.RunProgramAsync("/usr/bin/time", ["time", "-f", "%M", .. program]);
        long gnuBytes = long.Parse(gnu.Stderr.Trim().Split('\n')[^1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        using var document = JsonDocument.Parse(File.ReadAllText(json));
        JsonElement peak = document.RootElement.GetProperty("max_rss_bytes");
        Assert.True(peak.ValueKind == JsonValueKind.Number, $"{name}: no figure given; GNU time {gnuBytes}");
        Assert.InRange(peak.GetInt64(), gnuBytes - 1048576, gnuBytes + 1048576);
        // The --stats line says the same, in MiB with one decimal.
        string mib = (peak.GetInt64() / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Matches($@"max rss {System.Text.RegularExpressions.Regex.Escape(mib)} MiB(;|$)", ours.Stderr.Trim());
    }

    /// <summary>The repository root (the tests run from tests/Spawn.Tests/bin/...).</summary>
    private static class Repository
    {
        internal static string Root { get; } = Find();

        private static string Find()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "README.md")) && Directory.Exists(Path.Combine(dir.FullName, "src", "Spawn.Cli"))) return dir.FullName;
            }
            throw new DirectoryNotFoundException("the repository root above " + AppContext.BaseDirectory);
        }
    }
}
