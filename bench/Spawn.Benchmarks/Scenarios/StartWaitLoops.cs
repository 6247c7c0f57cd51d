using System.Diagnostics;
using CliWrap;
using Spawn.Benchmarks.Floor;
using Cli = CliWrap.Cli;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// Sequential start+wait of /bin/true, one loop per contender, each the way its API is meant to be
/// used: blocking waits where the API has them (floor, Spawn, Process), awaits where it only has those.
/// Every loop checks the exit code.
/// </summary>
internal sealed class StartWaitLoops : IDisposable
{
    private readonly RawCommand _raw = new(Programs.True, Programs.TrueArgv);
    private readonly ProcessStartInfo _startInfo = new(Programs.True) { UseShellExecute = false };
    private readonly Spawn.Command _spawnCommand = new(Programs.True);
    private readonly CliWrap.Command _cliWrap = Cli.Wrap(Programs.True);

    internal Task RunAsync(string contender, int count) => contender switch
    {
        Contenders.Floor => Sync(count, FloorOnce),
        Contenders.Spawn => Sync(count, SpawnOnce),
        Contenders.Process => Sync(count, ProcessOnce),
        Contenders.SpawnCommand => SpawnCommandAsync(count),
        Contenders.CliWrap => CliWrapAsync(count),
        _ => throw new ArgumentException($"unknown contender {contender}"),
    };

    internal void FloorOnce() => Raw.Expect0(Raw.WaitAndClose(Raw.Start(_raw)), Programs.True);

    internal void SpawnOnce()
    {
        using ProcessHandle child = ProcessHandle.Start(Programs.True, Programs.TrueArgv);
        if (child.Wait().ExitCode != 0) throw new InvalidOperationException("Spawn: /bin/true failed");
    }

    internal void ProcessOnce()
    {
        using var process = System.Diagnostics.Process.Start(_startInfo)!;
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException("Process: /bin/true failed");
    }

    private static Task Sync(int count, Action once)
    {
        for (int i = 0; i < count; i++) once();
        return Task.CompletedTask;
    }

    private async Task SpawnCommandAsync(int count)
    {
        for (int i = 0; i < count; i++) await _spawnCommand.RunAsync().ConfigureAwait(false);
    }

    private async Task CliWrapAsync(int count)
    {
        for (int i = 0; i < count; i++) await _cliWrap.ExecuteAsync().ConfigureAwait(false);
    }

    public void Dispose() => _raw.Dispose();
}
