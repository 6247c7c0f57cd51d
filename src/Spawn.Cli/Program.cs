using Spawn;
using Spawn.Cli;
using Spawn.Cli.Interop;

// The spawn tool: a thin shell over the Spawn library's public API.
string tryCommand = args is ["run" or "wait" or "completion", ..] ? "spawn " + args[0] : "spawn";
int usageStatus = args is ["wait", ..] ? WaitCommand.Failure : RunCommand.ToolFailed;
try
{
    return args switch
    {
        ["run", .. var rest] => RunCommand.Run(rest),
        ["wait", .. var rest] => await WaitCommand.RunAsync(rest),
        ["completion", .. var rest] => Completion.Print(rest),
        ["-h" or "--help" or "help"] => Print(Usage.Main),
        ["--version"] => Print(Usage.Version),
        ["--man"] => Print(ManPage.Render()),
        [] => throw new UsageException(""),
        [var other, ..] => throw new UsageException($"unknown command {Quote.Of(other)}"),
    };
}
catch (UsageException e)
{
    if (e.Message.Length > 0) StandardStreams.ErrorLine($"spawn: {e.Message}");
    StandardStreams.ErrorLine($"Try '{tryCommand} --help' for more information.");
    return usageStatus;
}
catch (SpawnException e)
{
    StandardStreams.ErrorLine($"spawn: {e.Message}");
    return usageStatus;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    StandardStreams.ErrorLine($"spawn: {e.Message}");
    return usageStatus;
}

static int Print(string text)
{
    StandardStreams.Out(text);
    return 0;
}
