using System.Text;
using Spawn.Cli.Interop;

namespace Spawn.Cli;

/// <summary>
/// Shell completion scripts, made from the same option lists the parsers use:
/// `spawn completion bash|zsh|fish` prints one, e.g. `source <(spawn completion bash)`.
/// </summary>
internal static class Completion
{
    private static readonly string[] s_commands = ["run", "wait", "completion"];
    private static readonly string[] s_signals = ["HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "CONT", "STOP", "ALRM", "WINCH"];

    internal static int Print(string[] args)
    {
        string script = args switch
        {
            ["bash"] => Bash(),
            ["zsh"] => Zsh(),
            ["fish"] => Fish(),
            _ => throw new UsageException("completion: a shell is needed: bash, zsh or fish"),
        };
        StandardStreams.Out(script);
        return 0;
    }

    private static IEnumerable<string> Words(OptionSpec[] options) =>
        options.SelectMany(o => new[] { o.Short is char c ? $"-{c}" : null, o.Long is string l ? $"--{l}" : null }).OfType<string>();

    private static string Bash() => $$"""
        # bash completion for spawn (spawn completion bash)
        _spawn() {
            local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} sub=${COMP_WORDS[1]}
            if [ "$COMP_CWORD" -eq 1 ]; then
                COMPREPLY=($(compgen -W "{{string.Join(' ', s_commands)}} --help --version --man" -- "$cur")); return
            fi
            case $sub in
            run)
                case $prev in
                -s|--signal) COMPREPLY=($(compgen -W "{{string.Join(' ', s_signals)}}" -- "$cur")); return ;;
                --json) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                -t|--timeout|-k|--kill-after) return ;;
                esac
                local i
                for ((i = 2; i < COMP_CWORD; i++)); do
                    if [ "${COMP_WORDS[i]}" = "--" ]; then COMPREPLY=($(compgen -c -- "$cur")); return; fi
                done
                COMPREPLY=($(compgen -W "{{string.Join(' ', Words(RunOptions.All))}}" -- "$cur")) ;;
            wait)
                case $prev in -t|--timeout|-c|--count) return ;; esac
                if [[ $cur == -* ]]; then
                    COMPREPLY=($(compgen -W "{{string.Join(' ', Words(WaitCommand.All))}}" -- "$cur"))
                else
                    COMPREPLY=($(compgen -W "$(ps -e -o pid=)" -- "$cur"))
                fi ;;
            completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")) ;;
            esac
        }
        complete -F _spawn spawn

        """;

    private static string Zsh()
    {
        var script = new StringBuilder();
        script.Append("#compdef spawn\n# zsh completion for spawn (spawn completion zsh)\n_spawn() {\n");
        script.Append("  if (( CURRENT == 2 )); then\n    compadd -- ").Append(string.Join(' ', s_commands)).Append(" --help --version --man\n    return\n  fi\n");
        script.Append("  case $words[2] in\n");
        script.Append("    run) _arguments -S ").Append(ZshSpecs(RunOptions.All)).Append(" '*::program:_normal' ;;\n");
        script.Append("    wait) _arguments ").Append(ZshSpecs(WaitCommand.All)).Append(" '*:pid:_pids' ;;\n");
        script.Append("    completion) compadd -- bash zsh fish ;;\n  esac\n}\n_spawn \"$@\"\n");
        return script.ToString();
    }

    private static string ZshSpecs(OptionSpec[] options) => string.Join(' ', options.SelectMany(o =>
    {
        string arg = o.TakesValue ? ":value:" : "";
        var specs = new List<string>();
        if (o.Short is char c) specs.Add($"'-{c}[{o.Long}]{arg}'");
        if (o.Long is string l) specs.Add($"'--{l}{(o.TakesValue ? "=" : "")}[{l}]{arg}'");
        return specs;
    }));

    private static string Fish()
    {
        var script = new StringBuilder("# fish completion for spawn (spawn completion fish)\n");
        script.Append("complete -c spawn -n '__fish_use_subcommand' -f -a '").Append(string.Join(' ', s_commands)).Append("'\n");
        foreach ((string sub, OptionSpec[] options) in new[] { ("run", RunOptions.All), ("wait", WaitCommand.All) })
        {
            foreach (OptionSpec o in options)
            {
                script.Append("complete -c spawn -n '__fish_seen_subcommand_from ").Append(sub).Append('\'');
                if (o.Short is char c) script.Append(" -s ").Append(c);
                if (o.Long is string l) script.Append(" -l ").Append(l);
                if (o.TakesValue) script.Append(" -r");
                if (o.Long == "signal") script.Append(" -f -a '").Append(string.Join(' ', s_signals)).Append('\'');
                script.Append('\n');
            }
        }
        script.Append("complete -c spawn -n '__fish_seen_subcommand_from wait' -f -a '(__fish_complete_pids)'\n");
        script.Append("complete -c spawn -n '__fish_seen_subcommand_from completion' -f -a 'bash zsh fish'\n");
        return script.ToString();
    }
}
