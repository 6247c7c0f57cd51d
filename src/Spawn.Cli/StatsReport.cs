using System.Globalization;
using System.Text.Json;

namespace Spawn.Cli;

/// <summary>
/// The `--stats` line and the `--json` object: how the run ended and what it cost. Every field keeps
/// one meaning: CPU time and peak memory are the program's own (its rusage, children it waited for
/// included); with --tree the cgroup's figures for the whole tree are separate fields.
/// </summary>
/// <remarks>
/// Peak memory: the program is started with <see cref="Command.WithExactPeakMemory"/>, so the figure is
/// its own (Linux would otherwise fold our own peak into a vfork-style child's); where that is not
/// available here the library gives no figure rather than one that may be ours, and neither do we.
/// </remarks>
internal sealed class StatsReport(ProcessState state, TreeUsage? tree, TimeSpan wall, bool timedOut, int exitStatus)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The program's PID:INODE (or PID where the kernel has no unique IDs).</summary>
    internal string? Identity { get; init; }

    /// <summary>The program's unique ID (pidfs inode), or null.</summary>
    internal ulong? UniqueId { get; init; }

    /// <summary>Which limits the kernel enforced.</summary>
    internal LimitsReached LimitsReached { get; init; }

    /// <summary>The same in words, or null.</summary>
    internal string? LimitsText { get; init; }

    /// <summary>"spawn: exit status 0, wall 1.503 s, user 0.497 s, sys 0.004 s, max rss 24.1 MiB".</summary>
    internal string ToLine()
    {
        string memory = state.MaxRssBytes is long peak ? $"max rss {MiB(peak)}" : "max rss unknown";
        string line = string.Create(Invariant,
            $"spawn: {state}{(timedOut ? " (timed out)" : "")}, wall {wall.TotalSeconds:0.000} s, user {(state.UserTime ?? TimeSpan.Zero).TotalSeconds:0.000} s, sys {(state.SystemTime ?? TimeSpan.Zero).TotalSeconds:0.000} s, {memory}");
        if (tree is not null)
        {
            line += string.Create(Invariant,
                $"; tree: user {tree.UserTime.TotalSeconds:0.000} s, sys {tree.SystemTime.TotalSeconds:0.000} s, peak memory {(tree.PeakMemoryBytes is long p ? MiB(p) : "unknown")}");
        }
        if (Identity is not null) line += $"; id {Identity}";
        if (LimitsText is not null) line += $"; {LimitsText}";
        return line;
    }

    private static string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", Invariant) + " MiB";

    /// <summary>Writes the JSON object to <paramref name="path"/> (never stdout: that is the program's).</summary>
    internal void WriteJson(string path)
    {
        using Stream stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream);
        json.WriteStartObject();
        json.WriteNumber("pid", state.Pid);
        WriteNullable(json, "exit_code", state.ExitCode);
        WriteNullable(json, "signal", state.Signal);
        if (state.Signal is int signal) json.WriteString("signal_name", "SIG" + Signals.Name(signal));
        else json.WriteNull("signal_name");
        json.WriteBoolean("core_dumped", state.CoreDumped);
        json.WriteBoolean("timed_out", timedOut);
        json.WriteNumber("status", exitStatus);
        json.WriteNumber("wall_seconds", Math.Round(wall.TotalSeconds, 6));
        json.WriteNumber("user_seconds", Math.Round((state.UserTime ?? TimeSpan.Zero).TotalSeconds, 6));
        json.WriteNumber("system_seconds", Math.Round((state.SystemTime ?? TimeSpan.Zero).TotalSeconds, 6));
        WriteNullable(json, "max_rss_bytes", state.MaxRssBytes);
        json.WriteBoolean("tree", tree is not null);
        if (tree is not null)
        {
            json.WriteNumber("tree_user_seconds", Math.Round(tree.UserTime.TotalSeconds, 6));
            json.WriteNumber("tree_system_seconds", Math.Round(tree.SystemTime.TotalSeconds, 6));
            WriteNullable(json, "tree_peak_memory_bytes", tree.PeakMemoryBytes);
        }
        json.WriteString("status_source", state.Source.ToString());
        if (Identity is not null) json.WriteString("id", Identity);
        if (UniqueId is ulong uniqueId) json.WriteNumber("unique_id", uniqueId);
        else json.WriteNull("unique_id");
        json.WriteStartArray("limits_reached");
        if (LimitsReached.HasFlag(LimitsReached.Memory)) json.WriteStringValue("memory");
        if (LimitsReached.HasFlag(LimitsReached.Processes)) json.WriteStringValue("processes");
        if (LimitsReached.HasFlag(LimitsReached.CpuTime)) json.WriteStringValue("cpu_time");
        json.WriteEndArray();
        if (tree is not null)
        {
            WriteNullable(json, "tree_oom_kills", tree.OomKills);
            WriteNullable(json, "tree_forks_refused", tree.ForksRefused);
        }
        json.WriteEndObject();
        json.Flush();
        stream.Write("\n"u8);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }
}
