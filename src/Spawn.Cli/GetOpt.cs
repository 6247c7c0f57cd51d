namespace Spawn.Cli;

/// <summary>One option a command accepts: a short letter, a long name, or both.</summary>
internal sealed record OptionSpec(char? Short, string? Long, bool TakesValue);

/// <summary>One parsed option: its spec and, for options that take one, its value.</summary>
internal readonly record struct ParsedOption(OptionSpec Spec, string? Value);

/// <summary>
/// Command-line parsing as glibc's getopt_long does it, so scripts written for GNU timeout and
/// util-linux waitpid work unchanged: bundled short options ("-vk5"), attached values ("-t1",
/// "-sKILL", "--signal=KILL"), unambiguous long-option prefixes ("--pres"), "--" to end the options,
/// and the same error messages. With <c>stopAtFirstOperand</c> (getopt's "+" mode, as timeout uses)
/// the options end at the first operand; otherwise options and operands may be mixed, as waitpid allows.
/// </summary>
internal static class GetOpt
{
    internal static (List<ParsedOption> Options, List<string> Operands, bool SawDoubleDash) Parse(
        IReadOnlyList<string> args, IReadOnlyList<OptionSpec> specs, bool stopAtFirstOperand)
    {
        var options = new List<ParsedOption>();
        var operands = new List<string>();
        bool sawDoubleDash = false;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--")
            {
                sawDoubleDash = true;
                operands.AddRange(args.Skip(i + 1));
                break;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                if (stopAtFirstOperand)
                {
                    operands.AddRange(args.Skip(i));
                    break;
                }
                operands.Add(arg);
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                options.Add(ParseLong(args, ref i, specs));
                continue;
            }
            for (int j = 1; j < arg.Length; j++)
            {
                char letter = arg[j];
                OptionSpec spec = specs.FirstOrDefault(s => s.Short == letter)
                    ?? throw new UsageException($"invalid option -- '{letter}'");
                if (!spec.TakesValue)
                {
                    options.Add(new ParsedOption(spec, null));
                    continue;
                }
                string value = j + 1 < arg.Length ? arg[(j + 1)..]
                    : i + 1 < args.Count ? args[++i]
                    : throw new UsageException($"option requires an argument -- '{letter}'");
                options.Add(new ParsedOption(spec, value));
                break;
            }
        }
        return (options, operands, sawDoubleDash);
    }

    private static ParsedOption ParseLong(IReadOnlyList<string> args, ref int i, IReadOnlyList<OptionSpec> specs)
    {
        string arg = args[i];
        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        string name = eq < 0 ? arg[2..] : arg[2..eq];
        string? inline = eq < 0 ? null : arg[(eq + 1)..];
        OptionSpec? exact = specs.FirstOrDefault(s => s.Long == name);
        OptionSpec spec;
        if (exact is not null) spec = exact;
        else
        {
            var candidates = specs.Where(s => s.Long is not null && s.Long.StartsWith(name, StringComparison.Ordinal)).ToList();
            if (candidates.Count == 0) throw new UsageException($"unrecognized option '{(eq < 0 ? arg : arg[..eq])}'");
            if (candidates.Count > 1)
            {
                throw new UsageException($"option '{(eq < 0 ? arg : arg[..eq])}' is ambiguous; possibilities:{string.Concat(candidates.Select(c => $" '--{c.Long}'"))}");
            }
            spec = candidates[0];
        }
        if (!spec.TakesValue)
        {
            return inline is null ? new ParsedOption(spec, null) : throw new UsageException($"option '--{spec.Long}' doesn't allow an argument");
        }
        if (inline is not null) return new ParsedOption(spec, inline);
        return i + 1 < args.Count ? new ParsedOption(spec, args[++i]) : throw new UsageException($"option '--{spec.Long}' requires an argument");
    }
}
