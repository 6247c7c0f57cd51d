using System.Globalization;
using System.Text.Json;

namespace Spawn.Cli;

/// <summary>The `--stats` line and the `--json` object: how the run ended and what it cost.</summary>
internal sealed class StatsReport(ProcessState state, TimeSpan wall, bool timedOut, int exitStatus)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"spawn: exit status 0, wall 1.503 s, user 0.497 s, sys 0.004 s, max rss 24.1 MiB".</summary>
    internal string ToLine() => string.Create(Invariant,
        $"spawn: {state}{(timedOut ? " (timed out)" : "")}, wall {wall.TotalSeconds:0.000} s, user {state.UserTime.TotalSeconds:0.000} s, sys {state.SystemTime.TotalSeconds:0.000} s, max rss {state.MaxRssBytes / 1048576.0:0.0} MiB");

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
        json.WriteNumber("user_seconds", Math.Round(state.UserTime.TotalSeconds, 6));
        json.WriteNumber("system_seconds", Math.Round(state.SystemTime.TotalSeconds, 6));
        json.WriteNumber("max_rss_bytes", state.MaxRssBytes);
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
