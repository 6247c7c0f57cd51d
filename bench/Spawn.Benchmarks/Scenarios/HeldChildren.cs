using System.Diagnostics;
using CliWrap;
using Spawn.Benchmarks.Floor;
using Cli = CliWrap.Cli;

namespace Spawn.Benchmarks.Scenarios;

/// <summary>
/// The children a contender holds live while it runs its start+wait loop: `sleep 600` started
/// through the contender's own API, ended by kill and reaped through it (floor: pidfd_send_signal
/// and waitid on its own pidfds).
/// </summary>
internal sealed class HeldChildren : IAsyncDisposable
{
    private readonly string _contender;
    private readonly int[] _pidfds = [];
    private readonly ProcessHandle[] _handles = [];
    private readonly ChildProcess[] _children = [];
    private readonly System.Diagnostics.Process[] _processes = [];
    private readonly CommandTask<CliWrap.CommandResult>[] _tasks = [];
    private readonly CancellationTokenSource _cancel = new();
    private int _count;

    /// <summary>Makes room for <paramref name="capacity"/> children first, so that what is measured afterwards is only what starting them costs.</summary>
    internal HeldChildren(string contender, int capacity)
    {
        _contender = contender;
        switch (contender)
        {
            case Contenders.Floor: _pidfds = new int[capacity]; break;
            case Contenders.Spawn: _handles = new ProcessHandle[capacity]; break;
            case Contenders.SpawnCommand: _children = new ChildProcess[capacity]; break;
            case Contenders.Process: _processes = new System.Diagnostics.Process[capacity]; break;
            case Contenders.CliWrap: _tasks = new CommandTask<CliWrap.CommandResult>[capacity]; break;
            default: throw new ArgumentException($"unknown contender {contender}");
        }
    }

    internal int Count => _count;

    /// <summary>Starts children until <see cref="Count"/> reaches the capacity.</summary>
    internal void StartAll()
    {
        using var raw = _contender == Contenders.Floor ? new RawCommand(Programs.Sleep, Programs.SleepArgv) : null;
        var startInfo = new ProcessStartInfo(Programs.Sleep, [Programs.SleepSeconds]) { UseShellExecute = false };
        var command = new Spawn.Command(Programs.Sleep, Programs.SleepSeconds).WithExitCodeValidation(false);
        var cliWrap = Cli.Wrap(Programs.Sleep).WithArguments([Programs.SleepSeconds]).WithValidation(CommandResultValidation.None);
        int capacity = _pidfds.Length + _handles.Length + _children.Length + _processes.Length + _tasks.Length;
        for (; _count < capacity; _count++)
        {
            switch (_contender)
            {
                case Contenders.Floor: _pidfds[_count] = Raw.Start(raw!); break;
                case Contenders.Spawn: _handles[_count] = ProcessHandle.Start(Programs.Sleep, Programs.SleepArgv); break;
                case Contenders.SpawnCommand: _children[_count] = command.Start(); break;
                case Contenders.Process: _processes[_count] = System.Diagnostics.Process.Start(startInfo)!; break;
                case Contenders.CliWrap: _tasks[_count] = cliWrap.ExecuteAsync(_cancel.Token); break;
            }
        }
    }

    /// <summary>SIGKILL through a pidfd opened on our unreaped child: it cannot reach another process.</summary>
    private static void KillByPidfd(int pid)
    {
        int pidfd = Native.PidfdOpen(pid, 0);
        if (pidfd < 0) throw Native.LastError("pidfd_open");
        try
        {
            Raw.Kill(pidfd);
        }
        finally
        {
            Native.Close(pidfd);
        }
    }

    /// <summary>Kills every held child and reaps it through the contender's API, checking each really died of SIGKILL.</summary>
    public async ValueTask DisposeAsync()
    {
        switch (_contender)
        {
            case Contenders.Floor:
                for (int i = 0; i < _count; i++) Raw.Kill(_pidfds[i]);
                for (int i = 0; i < _count; i++)
                {
                    int code = Raw.WaitAndClose(_pidfds[i]);
                    if (code != 128 + Native.SIGKILL) throw new InvalidOperationException($"floor: held child ended with {code}");
                }
                break;
            case Contenders.Spawn:
                for (int i = 0; i < _count; i++) _handles[i].Kill();
                for (int i = 0; i < _count; i++)
                {
                    ProcessState state = await _handles[i].WaitAsync().ConfigureAwait(false);
                    if (state.Signal != Signals.SIGKILL) throw new InvalidOperationException($"Spawn: held child ended with {state}");
                    _handles[i].Dispose();
                }
                break;
            case Contenders.SpawnCommand:
                for (int i = 0; i < _count; i++) _children[i].Kill();
                for (int i = 0; i < _count; i++)
                {
                    CommandResult result = await _children[i].WaitAsync().ConfigureAwait(false);
                    if (result.State.Signal != Signals.SIGKILL) throw new InvalidOperationException($"Spawn Command: held child ended with {result.State}");
                    await _children[i].DisposeAsync().ConfigureAwait(false);
                }
                break;
            case Contenders.Process:
                for (int i = 0; i < _count; i++) _processes[i].Kill();
                for (int i = 0; i < _count; i++)
                {
                    await _processes[i].WaitForExitAsync().ConfigureAwait(false);
                    if (_processes[i].ExitCode != 128 + Native.SIGKILL) throw new InvalidOperationException($"Process: held child ended with {_processes[i].ExitCode}");
                    _processes[i].Dispose();
                }
                break;
            case Contenders.CliWrap:
                // By pidfd, not by cancelling: CliWrap's forceful cancellation calls Process.Kill(entireProcessTree: true),
                // which walks every process on the machine once per child (about 100 s for 1,000 children here).
                // CliWrap still reaps each child and completes its task, as it does for any exit.
                for (int i = 0; i < _count; i++) KillByPidfd(_tasks[i].ProcessId);
                for (int i = 0; i < _count; i++)
                {
                    CliWrap.CommandResult result = await _tasks[i];
                    if (result.ExitCode != 128 + Native.SIGKILL) throw new InvalidOperationException($"CliWrap: held child ended with {result.ExitCode}");
                    _tasks[i].Dispose();
                }
                break;
        }
        _count = 0;
        _cancel.Dispose();
    }
}
