using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Spawn;

[assembly: SupportedOSPlatform("linux")]

// A small program on the package's public API: start, capture, exit codes, a timeout, waits that
// the exit watcher's epoll thread completes, lines streamed through the epoll reactor. Prints one
// line per check and exits 0 only if every check passed.
//   SmokeApp [--expect-path LinuxClone|portable]   run the checks
//   SmokeApp --path-only                            only print the first line (the spawn path chosen)
string? expectedPath = args.Length == 2 && args[0] == "--expect-path" ? args[1] : null;
int failures = 0;

Console.WriteLine($"smoke: {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}, " +
    $"{(RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "Native AOT")}, spawn path {ProcessHandle.SpawnPath}, " +
    $"{(ProcessHandle.UsesPidfd ? "handle mode (pidfd)" : "PID mode")}");
if (args is ["--path-only"]) return 0;

await Check("spawn path", () =>
{
    SpawnPath path = ProcessHandle.SpawnPath;
    bool ok = expectedPath switch
    {
        null => true,
        "portable" => path != SpawnPath.LinuxClone,
        _ => path.ToString() == expectedPath,
    };
    return Task.FromResult(ok ? null : $"expected {expectedPath}, got {path}");
});

await Check("start and capture", async () =>
{
    BufferedCommandResult result = await new Command("echo", "hello", "world").OutputAsync();
    return result.StandardOutput == "hello world\n" && result.ExitCode == 0 ? null : $"got '{result.StandardOutput}', exit {result.ExitCode}";
});

await Check("exit codes", async () =>
{
    CommandResult three = await new Command("sh", "-c", "exit 3").WithExitCodeValidation(false).RunAsync();
    if (three.ExitCode != 3) return $"sh -c 'exit 3' gave {three.State}";
    try
    {
        await new Command("false").RunAsync();
        return "a failing command did not throw CommandFailedException";
    }
    catch (CommandFailedException e) when (e.Result.ExitCode == 1)
    {
    }
    CommandResult killed = await new Command("sh", "-c", "kill -TERM $$").WithExitCodeValidation(false).RunAsync();
    return killed.State.Signal == Signals.SIGTERM ? null : $"a shell that killed itself gave {killed.State}";
});

await Check("timeout", async () =>
{
    var clock = Stopwatch.StartNew();
    try
    {
        await new Command("sleep", "30").WithTimeout(TimeSpan.FromMilliseconds(300)).RunAsync();
        return "sleep 30 finished despite the timeout";
    }
    catch (CommandTimeoutException e)
    {
        // Generous: an emulated runtime is slow, but a timeout that waits for the child is broken.
        return clock.Elapsed < TimeSpan.FromSeconds(20) && e.Result.State.Signal is not null
            ? null : $"took {clock.Elapsed}, state {e.Result.State}";
    }
});

await Check("waits completed by the exit watcher", async () =>
{
    using var children = new DisposableList();
    for (int i = 0; i < 8; i++) children.Add(ProcessHandle.Start("/bin/sh", ["sh", "-c", $"sleep 0.{i + 1}; exit {i}"]));
    ProcessState[] states = await Task.WhenAll(children.Select(c => c.WaitAsync()));
    for (int i = 0; i < states.Length; i++)
    {
        if (states[i].ExitCode != i) return $"child {i} ended with {states[i]}";
    }
    return null;
});

await Check("lines streamed through the reactor", async () =>
{
    var lines = new List<string>();
    await foreach (OutputLine line in new Command("sh", "-c", "for i in 1 2 3; do echo out$i; echo err$i >&2; done").StreamLinesAsync())
    {
        lines.Add($"{line.Source}:{line.Text}");
    }
    int stdout = lines.Count(l => l.Contains("out", StringComparison.Ordinal));
    int stderr = lines.Count(l => l.Contains("err", StringComparison.Ordinal));
    return stdout == 3 && stderr == 3 ? null : $"got {string.Join(", ", lines)}";
});

await Check("exact peak memory (spawn-exec from the package)", async () =>
{
    CommandResult result = await new Command("true").WithExactPeakMemory().RunAsync();
    if (result.ExitCode != 0) return $"true gave {result.State}";
    // Only on the real machine: under an emulator the figure is the emulator's own.
    if (expectedPath != "LinuxClone") return null;
    return result.State.MaxRssBytes is > 0 and < 8 * 1024 * 1024 ? null : $"peak {result.State.MaxRssBytes?.ToString() ?? "unknown"}: not true's own";
});

Console.WriteLine(failures == 0 ? "smoke: every check passed" : $"smoke: {failures} check(s) failed");
return failures == 0 ? 0 : 1;

async Task Check(string name, Func<Task<string?>> check)
{
    string? problem;
    try
    {
        problem = await check();
    }
    catch (Exception e)
    {
        problem = $"{e.GetType().Name}: {e.Message}";
    }
    Console.WriteLine(problem is null ? $"smoke: ok   {name}" : $"smoke: FAIL {name}: {problem}");
    if (problem is not null) failures++;
}

/// <summary>Handles disposed together, whatever happened to the checks.</summary>
internal sealed class DisposableList : List<ProcessHandle>, IDisposable
{
    public void Dispose()
    {
        foreach (ProcessHandle handle in this) handle.Dispose();
    }
}
