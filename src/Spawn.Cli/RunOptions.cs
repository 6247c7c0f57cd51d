namespace Spawn.Cli;

/// <summary>What `spawn run` was asked to do.</summary>
internal sealed class RunOptions
{
    internal TimeSpan? Timeout { get; private set; }
    internal int Signal { get; private set; } = Signals.SIGTERM;
    internal TimeSpan? KillAfter { get; private set; }
    internal bool PreserveStatus { get; private set; }
    internal bool Group { get; private set; }
    internal bool Tree { get; private set; }
    internal bool Stats { get; private set; }
    internal string? JsonPath { get; private set; }
    internal bool Help { get; private set; }
    internal string[] Command { get; private set; } = [];

    /// <summary>Options come first; the program starts at "--" or at the first word that is not an option.</summary>
    internal static RunOptions Parse(string[] args)
    {
        var options = new RunOptions();
        int i = 0;
        string Value(string option) => i + 1 < args.Length ? args[++i] : throw new UsageException($"{option} needs a value");
        for (; i < args.Length; i++)
        {
            string arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is int eq and > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            string Next(string option) => inline ?? Value(option);
            switch (arg)
            {
                case "--":
                    i++;
                    goto done;
                case "-h" or "--help":
                    options.Help = true;
                    return options;
                case "-t" or "--timeout":
                    TimeSpan timeout = Duration.Parse(Next(arg), arg);
                    options.Timeout = timeout == TimeSpan.Zero ? null : timeout; // 0 disables, as in GNU timeout
                    break;
                case "-s" or "--signal":
                    options.Signal = SignalNames.Parse(Next(arg), arg);
                    break;
                case "-k" or "--kill-after":
                    TimeSpan killAfter = Duration.Parse(Next(arg), arg);
                    options.KillAfter = killAfter == TimeSpan.Zero ? null : killAfter;
                    break;
                case "--preserve-status":
                    options.PreserveStatus = true;
                    break;
                case "--group":
                    options.Group = true;
                    break;
                case "--tree":
                    options.Tree = true;
                    break;
                case "--stats":
                    options.Stats = true;
                    break;
                case "--json":
                    options.JsonPath = Next(arg);
                    break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1) throw new UsageException($"unknown option '{args[i]}' (see spawn run --help)");
                    goto done;
            }
        }
    done:
        options.Command = args[i..];
        if (options.Command.Length == 0) throw new UsageException("no program given (spawn run [options] -- PROGRAM [ARGS...])");
        return options;
    }
}
