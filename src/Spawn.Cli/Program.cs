using Spawn;
using Spawn.Cli;

// The spawn tool: a thin shell over the Spawn library's public API.
try
{
    return args switch
    {
        ["run", .. var rest] => await RunCommand.RunAsync(rest),
        ["wait", .. var rest] => await WaitCommand.RunAsync(rest),
        [] or ["-h" or "--help" or "help"] => Help(),
        [var other, ..] => throw new UsageException($"unknown command '{other}' (spawn run ... or spawn wait ...; see spawn --help)"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"spawn: {e.Message}");
    return RunCommand.ToolFailed;
}
catch (SpawnException e)
{
    Console.Error.WriteLine($"spawn: {e.Message}");
    return RunCommand.ToolFailed;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"spawn: {e.Message}");
    return RunCommand.ToolFailed;
}

static int Help()
{
    Console.Out.Write(Usage.Main);
    return 0;
}
