using Spawn;
using Spawn.Cli;

// The spawn tool: a thin shell over the Spawn library's public API.
string tryCommand = args is ["run" or "wait" or "completion", ..] ? "spawn " + args[0] : "spawn";
int usageStatus = args is ["wait", ..] ? WaitCommand.Failure : RunCommand.ToolFailed;
try
{
    return args switch
    {
        ["run", .. var rest] => await RunCommand.RunAsync(rest),
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
    if (e.Message.Length > 0) Console.Error.WriteLine($"spawn: {e.Message}");
    Console.Error.WriteLine($"Try '{tryCommand} --help' for more information.");
    return usageStatus;
}
catch (SpawnException e)
{
    Console.Error.WriteLine($"spawn: {e.Message}");
    return usageStatus;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"spawn: {e.Message}");
    return usageStatus;
}

static int Print(string text)
{
    Console.Out.Write(text);
    return 0;
}
