namespace Spawn.Cli;

/// <summary>What `spawn run` was asked to do.</summary>
internal sealed class RunOptions
{
    private static readonly OptionSpec s_timeout = new('t', "timeout", true);
    private static readonly OptionSpec s_signal = new('s', "signal", true);
    private static readonly OptionSpec s_killAfter = new('k', "kill-after", true);
    private static readonly OptionSpec s_verbose = new('v', "verbose", false);
    private static readonly OptionSpec s_foreground = new(null, "foreground", false);
    private static readonly OptionSpec s_preserveStatus = new(null, "preserve-status", false);
    private static readonly OptionSpec s_group = new(null, "group", false);
    private static readonly OptionSpec s_tree = new(null, "tree", false);
    private static readonly OptionSpec s_stats = new(null, "stats", false);
    private static readonly OptionSpec s_json = new(null, "json", true);
    private static readonly OptionSpec s_pty = new(null, "pty", false);
    private static readonly OptionSpec s_help = new('h', "help", false);
    private static readonly OptionSpec s_version = new(null, "version", false);

    /// <summary>Every option, in the order the help lists them (the man page and completions are made from this list too).</summary>
    internal static readonly OptionSpec[] All =
        [s_timeout, s_signal, s_killAfter, s_verbose, s_foreground, s_preserveStatus, s_group, s_tree, s_pty, .. LimitOptions.All, s_stats, s_json, s_help, s_version];

    internal TimeSpan? Timeout { get; private set; }
    internal int Signal { get; private set; } = Signals.SIGTERM;
    internal TimeSpan? KillAfter { get; private set; }
    internal bool Verbose { get; private set; }
    internal bool Foreground { get; private set; }
    internal bool PreserveStatus { get; private set; }
    internal bool Group { get; private set; }
    internal bool Tree { get; private set; }

    /// <summary>The resource limits asked for (--memory, --nofile, ...), or null; those on the whole tree imply <see cref="Tree"/>.</summary>
    internal ResourceLimits? Limits { get; private set; }

    internal bool Pty { get; private set; }
    internal bool Stats { get; private set; }
    internal string? JsonPath { get; private set; }
    internal bool Help { get; private set; }
    internal bool Version { get; private set; }
    internal string[] Command { get; private set; } = [];

    /// <summary>
    /// getopt_long with "+" (options end at the first operand), as GNU timeout parses. Two forms:
    /// GNU's `[options] DURATION PROGRAM [ARGS...]`, and ours, `[options] --timeout D -- PROGRAM` or
    /// `[options] -- PROGRAM` (no deadline). Without -t, the first operand is the DURATION, exactly as in
    /// GNU timeout, unless it comes after "--" and does not start like a number or is not followed by a
    /// program: then the operands are the program (so `-- sleep 1` runs sleep, `-- 5 sleep 1` and
    /// `-- -1 true` read the duration as GNU does).
    /// </summary>
    internal static RunOptions Parse(string[] args)
    {
        var (parsed, operands, sawDoubleDash) = GetOpt.Parse(args, All, stopAtFirstOperand: true);
        var options = new RunOptions();
        bool timeoutGiven = false;
        foreach (ParsedOption option in parsed)
        {
            OptionSpec spec = option.Spec;
            string value = option.Value ?? "";
            if (spec == s_help) { options.Help = true; return options; }
            if (spec == s_version) { options.Version = true; return options; }
            if (spec == s_timeout) { options.Timeout = Duration.ToDeadline(Duration.Parse(value)); timeoutGiven = true; }
            else if (spec == s_signal) options.Signal = SignalNames.Parse(value);
            else if (spec == s_killAfter) options.KillAfter = Duration.ToDeadline(Duration.Parse(value));
            else if (spec == s_verbose) options.Verbose = true;
            else if (spec == s_foreground) options.Foreground = true;
            else if (spec == s_preserveStatus) options.PreserveStatus = true;
            else if (spec == s_group) options.Group = true;
            else if (spec == s_tree) options.Tree = true;
            else if (spec == s_pty) options.Pty = true;
            else if (spec == s_stats) options.Stats = true;
            else if (spec == s_json) options.JsonPath = value == "-" ? throw new UsageException(JsonToStdoutRefused) : value;
        }
        options.Limits = LimitOptions.From(parsed);
        if (options.Limits is { } limits && limits.MemoryMax is not null | limits.MemoryHigh is not null | limits.SwapMax is not null
            | limits.Cpus is not null | limits.CpuWeight is not null | limits.MaxProcesses is not null)
        {
            options.Tree = true;
        }
        bool positionalDuration = !timeoutGiven
            && (!sawDoubleDash || (operands.Count >= 2 && LooksNumeric(operands[0])));
        if (positionalDuration)
        {
            // GNU: fewer than two operands is a usage error with only the "Try" line.
            if (operands.Count < 2) throw new UsageException("");
            options.Timeout = Duration.ToDeadline(Duration.Parse(operands[0]));
            operands.RemoveAt(0);
        }
        if (operands.Count == 0) throw new UsageException("");
        if (options.Group && options.Foreground) throw new UsageException("--group and --foreground cannot be used together");
        if (options.Pty && (options.Group || options.Foreground)) throw new UsageException("--pty cannot be used with --group or --foreground (on its terminal, the program leads a session of its own)");
        options.Command = [.. operands];
        return options;
    }

    private static bool LooksNumeric(string text)
    {
        string trimmed = text.TrimStart(' ', '\t', '\n', '\v', '\f', '\r');
        return trimmed.Length > 0 && (char.IsAsciiDigit(trimmed[0]) || trimmed[0] is '.' or '+' or '-');
    }

    internal const string JsonToStdoutRefused =
        "--json -: stdout belongs to the program, and the report would be mixed into its output; give a file (--json stats.json, or --json /dev/fd/3 3>stats.json)";
}
