using System.Diagnostics;
using System.Runtime.InteropServices;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// A running <see cref="Command"/>: its process handle, the pipes the caller asked for, and the
/// copies Spawn runs between the child's pipes and the caller's sources and sinks. Waiting covers
/// the exit and the end of every copy, then closes the pipes (as Go's Cmd.Wait does: finish reading
/// <see cref="Stdout"/>/<see cref="Stderr"/> before waiting); the pipes Spawn made for itself never
/// delay it. Disposing a child that still runs kills it and the processes it started.
/// </summary>
public sealed partial class ChildProcess : IAsyncDisposable, IDisposable, IStreamedRun<CommandResult>
{
    private readonly StdioSlot[] _slots;
    private readonly StderrTail? _stderrTail;

    /// <summary>The child's wait state (the platform layer's), which <see cref="Handle"/> is the public facade of.</summary>
    private readonly ProcessWaitState _wait;

    private ChildProcess(Command command, ProcessWaitState wait, ProcessTree? tree, JobObject? job, PseudoTerminal? terminal, StdioSlot[] slots, StderrTail? stderrTail, Activity? run, CancellationToken cancellationToken)
    {
        // Inline: the awaiters resume where the run ends (see Command.WithExitContinuation).
        _result = new TaskCompletionSource<CommandResult>(run, command.ExitContinuation == ExitContinuation.Inline
            ? TaskCreationOptions.None
            : TaskCreationOptions.RunContinuationsAsynchronously);
        Command = command;
        _wait = wait;
        Handle = new ProcessHandle(wait);
        Tree = tree;
        _job = job;
        Terminal = terminal;
        StartTime = DateTimeOffset.UtcNow;
        _startTick = Environment.TickCount64;
        _slots = slots;
        _stderrTail = stderrTail;
        Stdin = slots[0].ExposedToCaller ? (terminal?.Input ?? slots[0].OurEnd) : null;
        Stdout = slots[1].ExposedToCaller ? slots[1].OurEnd : null;
        Stderr = slots[2].ExposedToCaller ? slots[2].OurEnd : null;
        if (terminal is not null) HoldTerminalUntilExit(terminal, Handle);
        Task[] pumps = StartPumps(slots, stderrTail);
        _pumps = pumps;
        _pumpsDone = pumps.Length switch { 0 => Task.CompletedTask, 1 => pumps[0], _ => Task.WhenAll(pumps) };

        _cancellationToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _cancelRegistration = cancellationToken.UnsafeRegister(static state => ((ChildProcess)state!).BeginCancel(Canceled), this);
        }
        if (command.Timeout is { } timeout)
        {
            _timeout = new CancellationTokenSource(timeout);
            _timeoutRegistration = _timeout.Token.UnsafeRegister(static state => ((ChildProcess)state!).BeginCancel(TimedOut), this);
        }
    }

    /// <summary>The command that was started.</summary>
    public Command Command { get; }

    /// <summary>The process, by its stable handle.</summary>
    public ProcessHandle Handle { get; }

    /// <summary>The process ID.</summary>
    public int Pid => Handle.Pid;

    /// <summary>The tree (a cgroup on Linux, a job object on Windows) containing the process and all it starts, for a command run with <see cref="Command.WithProcessTree"/>.</summary>
    public ProcessTree? Tree { get; }

    /// <summary>When the process was started.</summary>
    public DateTimeOffset StartTime { get; }

    /// <summary>The write end of the child's stdin when the command asked for <see cref="InputSource.Pipe"/>; dispose it to send end-of-file.</summary>
    public Stream? Stdin { get; }

    /// <summary>The read end of the child's stdout when the command asked for <see cref="OutputTarget.Pipe"/>.</summary>
    public Stream? Stdout { get; }

    /// <summary>The read end of the child's stderr when the command asked for <see cref="OutputTarget.Pipe"/>.</summary>
    public Stream? Stderr { get; }

    internal static ChildProcess Start(Command command, CancellationToken cancellationToken)
    {
        PlatformGuard.ThrowIfUnsupported();
        cancellationToken.ThrowIfCancellationRequested();
        Activity? run = CommandTelemetry.StartRun(command, out Activity? previous);
        ChildProcess child;
        try
        {
            child = Launch(command, run, cancellationToken);
        }
        catch (Exception e)
        {
            CommandTelemetry.StartFailed(run, previous, e);
            throw;
        }
        CommandTelemetry.Started(run, previous, child.Pid);
        return child;
    }

    private static ChildProcess Launch(Command command, Activity? run, CancellationToken cancellationToken)
    {
        List<string>? environment = EnvironmentBuilder.Build(command, out string? pathVariable);
        string program = ProgramResolver.Resolve(command.Program, pathVariable, command.AllowsRelativePathLookup, command.WorkingDirectory);
        CommandTelemetry.Resolved(run, program);

        var slots = new StdioSlot[3];
        ProcessWaitState wait;
        ProcessTree? tree = null;
        JobObject? job = null;
        PseudoTerminal? terminal = null;
        try
        {
            if (command.UsesProcessTree) tree = ProcessTree.Create(command.Limits is { NeedsTree: true } limits ? limits.TreePart : null);
            // Windows finds no descendants through a process: the child starts in a job of its own
            // (its tree's, when it has one), so that a cancellation or timeout can end everything it started.
            if (OperatingSystem.IsWindows() && tree is null) job = JobObject.Create(killOnClose: false);
            if (command.PseudoTerminal is { } terminalOptions)
            {
                terminal = PseudoTerminal.Open(terminalOptions);
                OpenTerminalSlots(command, terminal, slots);
            }
            else
            {
                slots[0] = command.Stdin.Open();
                slots[1] = command.Stdout.Open(1);
                slots[2] = ReferenceEquals(command.Stderr, OutputTarget.Stdout)
                    ? new StdioSlot { ChildHandle = slots[1].ChildHandle } // 2>&1: the same descriptor, not owned twice
                    : command.Stderr.Open(2);
            }
            wait = ProcessWaitState.StartChild(program, [command.Program, .. command.Arguments], new StartOptions
            {
                Environment = environment,
                WorkingDirectory = command.WorkingDirectory,
                Stdin = slots[0].ChildHandle,
                Stdout = slots[1].ChildHandle,
                Stderr = slots[2].ChildHandle,
                PseudoTerminal = terminal,
                ExtraFiles = command.ExtraFiles.IsEmpty ? null : command.ExtraFiles,
                NewProcessGroup = command.NewProcessGroup,
                NewSession = command.NewSession,
                CgroupPath = tree?.Container.CgroupPath,
                UserId = command.UserId,
                GroupId = command.GroupId,
                SupplementaryGroups = command.SupplementaryGroups,
                ParentDeathSignal = command.ParentDeathSignal,
                Job = OperatingSystem.IsWindows() ? job?.Handle ?? tree?.Container.Job : null,
                Limits = command.Limits is { HasProcessLimits: true } processLimits ? processLimits.ProcessPart : null,
                CgroupJoinFiles = tree?.Container.JoinFiles,
                ReportedByCommand = true,
                ExactPeakMemory = command.ExactPeakMemory,
                ExitContinuation = command.ExitContinuation,
            });
            tree?.Container.AfterStart();
        }
        catch
        {
            foreach (StdioSlot? slot in slots) slot?.Dispose();
            terminal?.Dispose();
            tree?.Dispose();
            job?.Dispose();
            throw;
        }
        foreach (StdioSlot slot in slots) slot.CloseChildSide();
        StderrTail? tail = slots[2].Pump is not null ? new StderrTail() : null;
        return new ChildProcess(command, wait, tree, job, terminal, slots, tail, run, cancellationToken);
    }

    /// <summary>Sends <paramref name="signal"/> to the process; false once it has finished.</summary>
    public bool Signal(int signal) => Handle.Signal(signal);

    /// <summary>Sends <paramref name="signal"/> to the process; false once it has finished.</summary>
    public bool Signal(PosixSignal signal) => Handle.Signal(Signals.FromPosixSignal(signal));

    /// <summary>Sends SIGKILL to the process; false once it has finished.</summary>
    public bool Kill() => Handle.Kill();

    void IStreamedRun<CommandResult>.KillForEarlyStop() => Kill();

    /// <summary>
    /// Sends <paramref name="signal"/> to the child's whole process group. Only for a command started
    /// with <see cref="Command.WithNewProcessGroup"/> or <see cref="Command.WithNewSession"/>.
    /// </summary>
    public bool SignalGroup(int signal)
    {
        if (!StartedOwnGroup)
        {
            throw new InvalidOperationException("The command was not started in its own process group (WithNewProcessGroup, WithNewSession or WithPseudoTerminal); its group is ours.");
        }
        return _wait.SignalGroup(signal);
    }

    /// <summary>Sends <paramref name="signal"/> to the child's whole process group (see <see cref="SignalGroup(int)"/>).</summary>
    public bool SignalGroup(PosixSignal signal) => SignalGroup(Signals.FromPosixSignal(signal));

    /// <summary>
    /// Sends <paramref name="signal"/> to everything the command runs, as its cancellation and
    /// timeout do: with a process tree (<see cref="Command.WithProcessTree"/>) to every process in
    /// it (SIGKILL kills the tree); otherwise to the child (to its process group when it leads one)
    /// and to each descendant a walk of the process table finds, every one stopped while the walk
    /// finds them and continued afterwards, so none can start another unseen. Once the child has
    /// exited, only what earlier walks found is signalled.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a signal number (0 to 64).</exception>
    /// <exception cref="ObjectDisposedException">The child was disposed.</exception>
    public void SignalAll(int signal)
    {
        Signals.Validate(signal);
        SignalForCancel(signal);
    }

    Task<CommandResult> IStreamedRun<CommandResult>.WaitForCompletionAsync() => WaitForCompletionAsync();

    void IStreamedRun<CommandResult>.Validate(CommandResult result) => Validate(result);

    /// <summary>Kills the process and what it started if it still runs, waits for it and its copies, and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        KillIfRunning();
        try
        {
            ClosePipes(); // a grandchild may hold them: the caller is done with this child
            await WaitForCompletionAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Disposal reaps the child; a copy that failed was reported to whoever waited.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
        finally
        {
            ReleaseEverything();
        }
    }

    /// <summary>
    /// The blocking form of <see cref="DisposeAsync"/>. It needs no thread-pool thread, unless a
    /// copy into a sink that runs the caller's code (a stream, a StringBuilder, a delegate) or from
    /// a stdin source has still to finish: those copies run on the thread pool.
    /// </summary>
    public void Dispose()
    {
        KillIfRunning();
        try
        {
            ClosePipes();
            WaitForCompletion();
        }
#pragma warning disable CA1031 // As in DisposeAsync.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
        finally
        {
            ReleaseEverything();
        }
    }

    private void KillIfRunning()
    {
        if (Handle.HasExited) return;
        try
        {
            SignalForCancel(Signals.SIGKILL);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void ClosePipes()
    {
        foreach (StdioSlot slot in _slots) slot.OurEnd?.Dispose();
    }

    private void ReleaseEverything()
    {
        foreach (StdioSlot slot in _slots) slot.Dispose();
        Terminal?.Pair.ReleaseMaster();
        Terminal?.Dispose();
        ReleaseCancellation();
        Tree?.Dispose();
        Handle.Dispose();
    }
}
