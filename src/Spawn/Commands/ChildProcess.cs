namespace Spawn;

/// <summary>
/// A running <see cref="Command"/>: its process handle, the pipes the caller asked for, and the
/// copies Spawn runs between the child's pipes and the caller's sources and sinks. Waiting covers
/// the exit and the end of every copy, then closes the pipes (as Go's Cmd.Wait does: finish reading
/// <see cref="Stdout"/>/<see cref="Stderr"/> before waiting). Disposing a child that still runs kills it.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable, IDisposable
{
    private const int NotCanceled = 0;
    private const int Canceled = 1;
    private const int TimedOut = 2;

    private readonly StdioSlot[] _slots;
    private readonly Task[] _pumps;
    private readonly StderrTail? _stderrTail;
    private readonly CancellationTokenSource? _timeout;
    private CancellationTokenRegistration _cancelRegistration;
    private CancellationTokenRegistration _timeoutRegistration;
    private CancellationToken _cancellationToken;
    private int _cancelReason;
    private Task<CommandResult>? _completion;

    private ChildProcess(Command command, ProcessHandle handle, ProcessTree? tree, StdioSlot[] slots, StderrTail? stderrTail, CancellationToken cancellationToken)
    {
        Command = command;
        Handle = handle;
        Tree = tree;
        StartTime = DateTimeOffset.UtcNow;
        _slots = slots;
        _stderrTail = stderrTail;
        Stdin = slots[0].ExposedToCaller ? slots[0].Parent : null;
        Stdout = slots[1].ExposedToCaller ? slots[1].Parent : null;
        Stderr = slots[2].ExposedToCaller ? slots[2].Parent : null;
        _pumps = StartPumps(slots, stderrTail);

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

    private static Task[] StartPumps(StdioSlot[] slots, StderrTail? stderrTail)
    {
        int count = 0;
        foreach (StdioSlot slot in slots) if (slot.Pump is not null) count++;
        if (count == 0) return [];
        var pumps = new Task[count];
        count = 0;
        for (int fd = 0; fd < slots.Length; fd++)
        {
            if (slots[fd].Pump is { } pump) pumps[count++] = pump(slots[fd].Parent!, fd == 2 ? stderrTail : null);
        }
        return pumps;
    }

    /// <summary>The command that was started.</summary>
    public Command Command { get; }

    /// <summary>The process, by its stable handle.</summary>
    public ProcessHandle Handle { get; }

    /// <summary>The process ID.</summary>
    public int Pid => Handle.Pid;

    /// <summary>The cgroup containing the process and all it starts, for a command run with <see cref="Command.WithProcessTree"/>.</summary>
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
        Internal.PlatformGuard.ThrowIfUnsupported();
        cancellationToken.ThrowIfCancellationRequested();
        List<string>? environment = EnvironmentBuilder.Build(command, out string? pathVariable);
        string program = ProgramResolver.Resolve(command.Program, pathVariable, command.AllowsRelativePathLookup, command.WorkingDirectory);

        var slots = new StdioSlot[3];
        ProcessHandle handle;
        ProcessTree? tree = null;
        try
        {
            if (command.ContainsTree) tree = ProcessTree.Create();
            slots[0] = command.Stdin.Open();
            slots[1] = command.Stdout.Open(1);
            slots[2] = ReferenceEquals(command.Stderr, OutputTarget.Stdout)
                ? new StdioSlot { ChildHandle = slots[1].ChildHandle } // 2>&1: the same descriptor, not owned twice
                : command.Stderr.Open(2);
            handle = ProcessHandle.Start(program, [command.Program, .. command.Arguments], new StartOptions
            {
                Environment = environment,
                WorkingDirectory = command.WorkingDirectory,
                Stdin = slots[0].ChildHandle,
                Stdout = slots[1].ChildHandle,
                Stderr = slots[2].ChildHandle,
                ExtraFiles = command.ExtraFiles.IsEmpty ? null : command.ExtraFiles,
                NewProcessGroup = command.NewProcessGroup,
                NewSession = command.NewSession,
                CgroupPath = tree?.CgroupPath,
                UserId = command.UserId,
                GroupId = command.GroupId,
                SupplementaryGroups = command.SupplementaryGroups,
                ParentDeathSignal = command.ParentDeathSignal,
            });
            tree?.AddToMemoryAccounting();
        }
        catch
        {
            foreach (StdioSlot? slot in slots) slot?.Dispose();
            tree?.Dispose();
            throw;
        }
        foreach (StdioSlot slot in slots) slot.CloseChildSide();
        StderrTail? tail = slots[2].Pump is not null ? new StderrTail() : null;
        return new ChildProcess(command, handle, tree, slots, tail, cancellationToken);
    }

    /// <summary>Sends <paramref name="signal"/> to the process; false once it has finished.</summary>
    public bool Signal(int signal) => Handle.Signal(signal);

    /// <summary>Sends SIGKILL to the process; false once it has finished.</summary>
    public bool Kill() => Handle.Kill();

    /// <summary>
    /// Sends <paramref name="signal"/> to the child's whole process group. Only for a command started
    /// with <see cref="Command.WithNewProcessGroup"/> or <see cref="Command.WithNewSession"/>.
    /// </summary>
    public bool SignalGroup(int signal)
    {
        if (!Command.NewProcessGroup && !Command.NewSession)
        {
            throw new InvalidOperationException("The command was not started in its own process group (WithNewProcessGroup or WithNewSession); its group is ours.");
        }
        return Handle.SignalGroup(signal);
    }

    /// <summary>
    /// Waits for the exit and for every copy between the child's pipes and the caller, then closes
    /// the pipes. Throws as <see cref="Command.RunAsync"/> does: <see cref="CommandTimeoutException"/>,
    /// <see cref="CommandCanceledException"/>, or <see cref="CommandFailedException"/> for a non-zero
    /// exit while exit codes are validated.
    /// </summary>
    /// <param name="cancellationToken">Cancels this wait only (the token given at start cancels the process).</param>
    public async Task<CommandResult> WaitAsync(CancellationToken cancellationToken = default)
    {
        CommandResult result = await WaitForCompletionAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        Validate(result);
        return result;
    }

    /// <summary>The blocking form of <see cref="WaitAsync"/>.</summary>
    public CommandResult Wait() => WaitAsync().GetAwaiter().GetResult();

    /// <summary>Exit plus copies, without validation; started once, shared by every waiter.</summary>
    internal Task<CommandResult> WaitForCompletionAsync()
    {
        Task<CommandResult>? completion = Volatile.Read(ref _completion);
        if (completion is not null) return completion;
        var started = CompleteAsync();
        return Interlocked.CompareExchange(ref _completion, started, null) ?? started;
    }

    internal void Validate(CommandResult result)
    {
        switch (Volatile.Read(ref _cancelReason))
        {
            case TimedOut:
                throw new CommandTimeoutException(result, Command.Timeout!.Value);
            case Canceled:
                throw new CommandCanceledException($"Command was cancelled and ended with {result.State}: {Command}", result, _cancellationToken);
        }
        if (Command.ValidatesExitCode && !result.Success)
        {
            throw new CommandFailedException(result, _stderrTail?.ToString());
        }
    }

    private async Task<CommandResult> CompleteAsync()
    {
        ProcessState state = await Handle.WaitAsync().ConfigureAwait(false);
        DateTimeOffset exitTime = DateTimeOffset.UtcNow;
        TreeUsage? treeUsage = null;
        if (Tree is not null)
        {
            // The command is over: end what it left running, then account for all of it.
            Tree.Kill();
            await Tree.WaitEmptyAsync().ConfigureAwait(false);
            treeUsage = Tree.GetUsage();
            Tree.Dispose();
        }
        Task pumps = Task.WhenAll(_pumps);
        bool expired = false;
        if (!pumps.IsCompleted && Command.WaitDelay is { } delay)
        {
            // Go's WaitDelay: something still holds the pipes (a grandchild); stop waiting for it.
            using var timer = new CancellationTokenSource(delay);
            try
            {
                await pumps.WaitAsync(timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested)
            {
                expired = true;
                ClosePipes();
            }
        }
        await pumps.ConfigureAwait(false);
        ClosePipes();
        _cancelRegistration.Dispose();
        _timeoutRegistration.Dispose();
        _timeout?.Dispose();
        return new CommandResult(Command, state, StartTime, exitTime, expired, treeUsage);
    }

    /// <summary>Cancellation or timeout: the cancel signal (to the group when there is one), SIGKILL after the grace period.</summary>
    private void BeginCancel(int reason)
    {
        if (Handle.HasExited || Interlocked.CompareExchange(ref _cancelReason, reason, NotCanceled) != NotCanceled) return;
        _ = EndProcessAsync();
    }

    private async Task EndProcessAsync()
    {
        try
        {
            SignalForCancel(Command.CancelSignal);
            if (Command.GracePeriod > TimeSpan.Zero)
            {
                using var grace = new CancellationTokenSource(Command.GracePeriod);
                try
                {
                    await Handle.WaitAsync(grace.Token).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException)
                {
                    // The grace period is over.
                }
            }
            SignalForCancel(Signals.SIGKILL);
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile: disposal kills the child itself.
        }
    }

    private void SignalForCancel(int signal)
    {
        if (Tree is not null)
        {
            if (signal == Signals.SIGKILL) Tree.Kill();
            else Tree.Signal(signal);
        }
        else if (Command.NewProcessGroup || Command.NewSession) Handle.SignalGroup(signal);
        else Handle.Signal(signal);
    }

    private void ClosePipes()
    {
        foreach (StdioSlot slot in _slots) slot.Parent?.Dispose();
    }

    /// <summary>Kills the process if it still runs, waits for it and its copies, and releases everything.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Handle.HasExited)
        {
            try
            {
                SignalForCancel(Signals.SIGKILL);
            }
            catch (ObjectDisposedException)
            {
            }
        }
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
            foreach (StdioSlot slot in _slots) slot.Dispose();
            Tree?.Dispose();
            Handle.Dispose();
        }
    }

    /// <summary>The blocking form of <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
