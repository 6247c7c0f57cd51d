using System.Globalization;
using System.Text.Json;

namespace Spawn.Cli;

/// <summary>
/// The `--stats` line and the `--json` object: how the run ended and what it cost. With --tree the
/// CPU time and peak memory are the whole tree's (its cgroup's); otherwise the child's own rusage,
/// which includes the children it waited for.
/// </summary>
internal sealed class StatsReport(ProcessState state, TreeUsage? tree, TimeSpan wall, bool timedOut, int exitStatus)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private TimeSpan User => tree?.UserTime ?? state.UserTime ?? TimeSpan.Zero;

    private TimeSpan System => tree?.SystemTime ?? state.SystemTime ?? TimeSpan.Zero;

    private long? PeakMemory => tree is null ? state.MaxRssBytes : tree.PeakMemoryBytes;

    /// <summary>"spawn: exit status 0, wall 1.503 s, user 0.497 s, sys 0.004 s, max rss 24.1 MiB".</summary>
    internal string ToLine() => string.Create(Invariant,
        $"spawn: {state}{(timedOut ? " (timed out)" : "")}, wall {wall.TotalSeconds:0.000} s, user {User.TotalSeconds:0.000} s, sys {System.TotalSeconds:0.000} s, {(tree is null ? "max rss" : "tree peak memory")} {(PeakMemory is long peak ? (peak / 1048576.0).ToString("0.0", Invariant) + " MiB" : "unknown")}");

    /// <summary>Writes the JSON object to <paramref name="path"/>, or to stdout for "-".</summary>
    internal void WriteJson(string path)
    {
        using Stream stream = path == "-" ? Console.OpenStandardOutput() : File.Create(path);
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
        json.WriteNumber("user_seconds", Math.Round(User.TotalSeconds, 6));
        json.WriteNumber("system_seconds", Math.Round(System.TotalSeconds, 6));
        if (PeakMemory is long peak) json.WriteNumber("max_rss_bytes", peak);
        else json.WriteNull("max_rss_bytes");
        json.WriteBoolean("tree", tree is not null);
        json.WriteString("status_source", state.Source.ToString());
        json.WriteEndObject();
        json.Flush();
        if (path == "-") stream.Write("\n"u8);
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, int? value)
    {
        if (value is int v) json.WriteNumber(name, v);
        else json.WriteNull(name);
    }
}
