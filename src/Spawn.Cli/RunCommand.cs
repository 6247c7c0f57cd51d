using System.Diagnostics;
using System.Runtime.InteropServices;
using Spawn.Cli.Interop;

namespace Spawn.Cli;

/// <summary>
/// `spawn run`: GNU coreutils timeout, through a process handle. Runs a program with our stdin,
/// stdout and stderr, passes on the signals we receive, applies the deadline, and ends with the same
/// statuses (or by the same signal) as GNU timeout.
/// </summary>
internal static class RunCommand
{
    internal const int TimedOut = 124;
    internal const int ToolFailed = 125;
    internal const int CannotInvoke = 126;
    internal const int NotFound = 127;

    /// <summary>GNU timeout's signals (the deadline's own signal is added), then Spawn's extras USR1, USR2 and WINCH.</summary>
    private static readonly int[] s_handled = [Signals.SIGINT, Signals.SIGQUIT, Signals.SIGHUP, Signals.SIGTERM];

    /// <summary>
    /// GNU timeout's own timer signal: received from outside, it is the deadline come early (an
    /// outer timeout that times out with -s ALRM times out this one too, which then sends its own
    /// signal). Caught with or without a deadline, so it never ends us by its default action.
    /// </summary>
    private const int AlarmSignal = Signals.SIGALRM;
    private static readonly int[] s_passedOn = [Signals.SIGUSR1, Signals.SIGUSR2, Signals.SIGWINCH];

    /// <summary>The signals a terminal sends to its whole foreground group (Ctrl+C, Ctrl+\, a resize).</summary>
    private static readonly int[] s_fromTerminal = [Signals.SIGINT, Signals.SIGQUIT, Signals.SIGWINCH];

    /// <summary>
    /// Synchronous on purpose: the main thread blocks in the child's reap and wakes when it exits,
    /// as GNU timeout does, with no hop through the exit watcher and the thread pool on the way.
    /// Timers (the deadline, the kill-after) and the signals we pass on run beside it.
    /// </summary>
    internal static int Run(string[] args)
    {
        RunOptions options = RunOptions.Parse(args);
        if (options.Help)
        {
            StandardStreams.Out(Usage.Run);
            return 0;
        }
        if (options.Version)
        {
            StandardStreams.Out(Usage.Version);
            return 0;
        }
        if (options.Pty && !OperatingSystem.IsLinux())
        {
            StandardStreams.ErrorLine("spawn: --pty: pseudo-terminals are Linux only in spawn (Windows' ConPTY is not supported)");
            return ToolFailed;
        }
        // GNU timeout catches its signals even when it started with them ignored (a shell's
        // background job starts with SIGINT and SIGQUIT ignored): so `timeout ... &` followed by
        // `kill -INT` still reaches the program. .NET would respect the ignore, and it settles
        // SIGINT and SIGQUIT when its signal handling starts, which is below.
        if (OperatingSystem.IsLinux())
        {
            foreach (int signal in (int[])[.. s_handled, AlarmSignal, options.Signal])
            {
                if (Catchable(signal)) CurrentProcess.StopIgnoringSignal(signal);
            }
        }

        if (options.Command[0].Length == 0)
        {
            // As execvp(""): no such file (the library refuses an empty program name outright).
            // 2 is ENOENT on Linux and ERROR_FILE_NOT_FOUND on Windows, so the system's own words.
            StandardStreams.ErrorLine($"spawn: failed to run command {Quote.Of("")}: {Marshal.GetPInvokeErrorMessage(2)}");
            return NotFound;
        }
        Command command = new Command(options.Command[0], options.Command[1..])
            .WithStdin(InputSource.Inherit)
            .WithStdout(OutputTarget.Inherit)
            .WithStderr(OutputTarget.Inherit)
            .WithExitCodeValidation(false)
            .WithNewProcessGroup(options.Group)
            .WithProcessTree(options.Tree)
            .WithLimits(options.Limits)
            .WithExactPeakMemory(options.Stats || options.JsonPath is not null);
        using PtySession? pty = options.Pty ? PtySession.Begin() : null;
        if (pty is not null) command = pty.Configure(command);

        // As GNU timeout: our own group, so the deadline reaches everything the program starts there,
        // and never stopped for writing to a terminal we do not own. With --pty the program has a
        // session of its own, and we stay in our terminal's foreground group to read it.
        // (Leading a group fails, harmlessly, for a session leader.)
        // Windows has neither process groups nor signals to catch and pass on: a console's Ctrl+C
        // reaches the program itself, and the deadline terminates the command's job object.
        if (OperatingSystem.IsLinux())
        {
            if (!options.Foreground && !options.Group && !options.Pty) _ = CurrentProcess.TryLeadNewProcessGroup();
            CurrentProcess.IgnoreSignal(Signals.SIGTTIN);
            CurrentProcess.IgnoreSignal(Signals.SIGTTOU);
        }

        int[] handled = !OperatingSystem.IsLinux() ? [] : [.. s_handled, AlarmSignal, .. s_passedOn, .. Catchable(options.Signal) && !s_handled.Contains(options.Signal) && options.Signal != AlarmSignal && !s_passedOn.Contains(options.Signal) ? [options.Signal] : Array.Empty<int>()];
        var forwarding = new SignalForwarding(handled);
        var clock = Stopwatch.StartNew();
        ChildProcess child;
        try
        {
            child = StartLikeExecvp(command);
        }
        catch (CgroupUnavailableException e)
        {
            forwarding.Dispose();
            StandardStreams.ErrorLine($"spawn: {(options.Limits is null ? "--tree" : "limits")}: {e.Message}");
            return ToolFailed;
        }
        catch (PlatformNotSupportedException e) when (options.Limits is not null)
        {
            forwarding.Dispose();
            StandardStreams.ErrorLine($"spawn: limits: {e.Message}");
            return ToolFailed;
        }
        catch (ProcessStartException e)
        {
            forwarding.Dispose();
            // Linux: the errno's text, as GNU timeout prints it; Windows: the library's message, which has the Windows error.
            string why = OperatingSystem.IsLinux() ? Marshal.GetPInvokeErrorMessage(e.ErrorCode.GetValueOrDefault()) : e.Message;
            StandardStreams.ErrorLine($"spawn: failed to run command {Quote.Of(options.Command[0])}: {why}");
            return e.Error switch
            {
                Errno.ENOENT => NotFound,
                Errno.EAGAIN or Errno.ENOMEM or Errno.EMFILE or Errno.ENFILE => ToolFailed,
                _ => CannotInvoke,
            };
        }

        using (child)
        {
            var target = new SignalTarget(child, options, forwarding.Catches);
            var run = new Supervisor(child, options, target);
            pty?.Attach(child);
            forwarding.Attach(signal =>
            {
                // With --pty a resize of ours resizes the program's terminal, whose kernel side tells its group.
                if (signal == Signals.SIGWINCH && pty is not null) pty.Resize();
                else if (signal == AlarmSignal) run.OnAlarm();
                else run.OnSignal(signal, s_handled.Contains(signal) || signal == options.Signal, s_fromTerminal.Contains(signal));
            }, target);
            ProcessState state = run.Wait();
            // The registrations stay until we exit: a copy of a signal we sent our own group may still
            // be on its way to us, and after the exit there is nothing to pass signals on to (GNU
            // timeout blocks them from here on too).
            clock.Stop();
            // Exit and the end of the tree (with --tree: what it left running is killed, and its
            // CPU time and peak memory are read before the cgroup is removed).
            CommandResult result = child.Wait();

            if (state.CoreDumped) StandardStreams.ErrorLine("spawn: the monitored command dumped core");
            // On Windows every signal ends the program as a kill does: a timeout reports 124 unless KILL was asked for.
            int status = ExitStatus(state, run.TimedOut, options.PreserveStatus, killWasAsked: OperatingSystem.IsLinux() || run.SentKill);
            if (options.Stats || options.JsonPath is not null)
            {
                var report = new StatsReport(state, result.Tree, clock.Elapsed, run.TimedOut, status)
                {
                    Identity = child.Handle.QualifiedId,
                    UniqueId = child.Handle.UniqueId,
                    LimitsReached = result.LimitsReached,
                    LimitsText = result.DescribeLimitsReached(),
                };
                if (options.Stats) StandardStreams.ErrorLine(report.ToLine());
                if (options.JsonPath is not null) report.WriteJson(options.JsonPath);
            }
            pty?.Dispose(); // our terminal as it was, before we may end by a signal below
            if (state.Signal is int signal && !run.TimedOut && OperatingSystem.IsLinux())
            {
                // As GNU timeout does: end by the same signal, so our parent sees what happened.
                CurrentProcess.ExitBySignal(signal);
            }
            if (run.TimedOut && state.Signal == Signals.SIGKILL && !options.Foreground && !options.Group && !options.Tree && !options.Pty && OperatingSystem.IsLinux())
            {
                // GNU timeout's KILL to its own group ends timeout too; a script sees "Killed".
                CurrentProcess.ExitBySignal(Signals.SIGKILL);
            }
            return status;
        }
    }

    private static bool Catchable(int signal) => signal is not (Signals.SIGKILL or Signals.SIGSTOP or Signals.SIGCONT or Signals.SIGCHLD or Signals.SIGTTIN or Signals.SIGTTOU or 0) && signal < 32;

    /// <summary>
    /// Starts the command; a file the kernel cannot run (ENOEXEC: a script without a #! line) is
    /// run by /bin/sh instead, as execvp — and so GNU timeout, env, nohup — do.
    /// </summary>
    private static ChildProcess StartLikeExecvp(Command command)
    {
        try
        {
            return command.Start();
        }
        catch (ProcessStartException e) when (e.Error is Errno.ENOEXEC && OperatingSystem.IsLinux())
        {
            return command.WithArguments([command.Program, .. command.Arguments]).WithProgram("/bin/sh").Start();
        }
    }

    /// <summary>
    /// GNU timeout's rules: 124 on timeout unless --preserve-status; a timeout by KILL reports 137.
    /// <paramref name="killWasAsked"/>: false where the program was killed although a gentler signal
    /// was meant (Windows, where every signal terminates), so that such a timeout still reports 124.
    /// </summary>
    internal static int ExitStatus(ProcessState state, bool timedOut, bool preserveStatus, bool killWasAsked = true)
    {
        int status;
        if (state.ExitCode is int code) status = code;
        else if (state.Signal is int signal)
        {
            if (timedOut && signal == Signals.SIGKILL && killWasAsked) preserveStatus = true;
            status = 128 + signal;
        }
        else status = ToolFailed; // the status was lost (another component reaped the child)
        return timedOut && !preserveStatus ? TimedOut : status;
    }

    /// <summary>
    /// GNU timeout's "cleanup": the deadline, the kill-after, and the signals we receive, in one
    /// place under one lock, so that the first of them arms the kill-after exactly once.
    /// </summary>
    private sealed class Supervisor(ChildProcess child, RunOptions options, SignalTarget target)
    {
        private readonly Lock _gate = new();
        private readonly Task<ProcessState> _exit = child.Handle.WaitAsync();
        private int _alarmSignal = options.Signal;
        private TimeSpan? _killAfter = options.KillAfter;
        private volatile bool _timedOut;
        private volatile bool _sentKill;

        internal bool TimedOut => _timedOut;

        /// <summary>True once KILL itself was sent (by -s KILL or the kill-after).</summary>
        internal bool SentKill => _sentKill;

        /// <summary>Arms the deadline, then reaps the program on this thread.</summary>
        internal ProcessState Wait()
        {
            if (options.Timeout is { } timeout) _ = AlarmAsync(timeout);
            return child.Handle.Wait();
        }

        /// <summary>
        /// A signal we received. GNU's four (and the deadline's signal) arm the kill-after and are
        /// reported by --verbose; the extras are only passed on. A signal the terminal sent to its
        /// foreground group has reached the program already when that group is the program's: it is
        /// not sent a second time.
        /// </summary>
        internal void OnSignal(int signal, bool gnuHandled, bool terminalKind)
        {
            if (_exit.IsCompleted) return;
            bool delivered = terminalKind && CurrentProcess.TerminalForegroundProcessGroupId == target.ProgramGroup;
            if (!gnuHandled)
            {
                if (!delivered) target.Send(signal);
                return;
            }
            Cleanup(signal, alarm: false, alreadyDelivered: delivered);
        }

        /// <summary>SIGALRM came from outside: as GNU timeout, the deadline has passed now.</summary>
        internal void OnAlarm() => Cleanup(0, alarm: true, alreadyDelivered: false);

        private async Task AlarmAsync(TimeSpan after)
        {
            if (!await Finished(_exit, after).ConfigureAwait(false)) Cleanup(0, alarm: true, alreadyDelivered: false);
        }

        private void Cleanup(int signal, bool alarm, bool alreadyDelivered)
        {
            lock (_gate)
            {
                if (_exit.IsCompleted) return;
                if (alarm)
                {
                    _timedOut = true;
                    signal = _alarmSignal;
                }
                if (_killAfter is { } killAfter)
                {
                    _alarmSignal = Signals.SIGKILL;
                    _killAfter = null;
                    _ = AlarmAsync(killAfter);
                }
                if (options.Verbose)
                {
                    StandardStreams.ErrorLine($"spawn: sending signal {SignalNames.Name(signal) ?? signal.ToString(System.Globalization.CultureInfo.InvariantCulture)} to command {Quote.Of(options.Command[0])}");
                }
                if (signal == Signals.SIGKILL) _sentKill = true;
                if (!alreadyDelivered) target.Send(signal);
            }
        }

        /// <summary>True if <paramref name="exit"/> completes within <paramref name="within"/> (any length: waited in steps a timer accepts).</summary>
        private static async Task<bool> Finished(Task<ProcessState> exit, TimeSpan within)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                TimeSpan left = within - deadline.Elapsed;
                if (left <= TimeSpan.Zero) return exit.IsCompleted;
                using var timer = new CancellationTokenSource(left < TimeSpan.FromDays(1) ? left : TimeSpan.FromDays(1));
                try
                {
                    await exit.WaitAsync(timer.Token).ConfigureAwait(false);
                    return true;
                }
                catch (OperationCanceledException) when (timer.IsCancellationRequested)
                {
                }
            }
        }
    }

    /// <summary>
    /// Catches the handled signals from before the start until we exit, so they reach the program
    /// instead of ending us. Registered before the start, so no signal falls between; one that arrives before
    /// <see cref="Attach"/> is passed on once attached.
    /// </summary>
    private sealed class SignalForwarding : IDisposable
    {
        private readonly List<PosixSignalRegistration> _registrations = [];
        private readonly HashSet<int> _caught = [];
        private readonly List<int> _early = [];
        private Action<int>? _forward;
        private SignalTarget? _target;

        internal SignalForwarding(int[] signals)
        {
            if (!OperatingSystem.IsLinux()) return; // nothing to catch and pass on (see Run)
            foreach (int signal in signals)
            {
                try
                {
                    _registrations.Add(PosixSignalRegistration.Create(ToPosixSignal(signal), context =>
                    {
                        context.Cancel = true;
                        Deliver(signal);
                    }));
                    _caught.Add(signal);
                }
                catch (Exception e) when (e is PlatformNotSupportedException or ArgumentOutOfRangeException or IOException)
                {
                    // Not catchable here: sent to the group member by member instead (see SignalTarget).
                }
            }
        }

        internal bool Catches(int signal) => _caught.Contains(signal);

        internal void Attach(Action<int> forward, SignalTarget target)
        {
            int[] early;
            lock (_early)
            {
                _forward = forward;
                _target = target;
                early = [.. _early];
                _early.Clear();
            }
            foreach (int signal in early) Deliver(signal);
        }

        private void Deliver(int signal)
        {
            Action<int>? forward;
            lock (_early)
            {
                forward = _forward;
                if (forward is null)
                {
                    _early.Add(signal);
                    return;
                }
            }
            if (_target!.Ignores(signal)) return;
            forward(signal); // after the exit Supervisor.Cleanup does nothing
        }

        public void Dispose()
        {
            foreach (var registration in _registrations) registration.Dispose();
        }

        /// <summary>.NET names a few signals; the others are passed as raw numbers, which it accepts on Unix.</summary>
        [System.Runtime.Versioning.SupportedOSPlatform("linux")]
        private static PosixSignal ToPosixSignal(int signal) => signal switch
        {
            Signals.SIGHUP => PosixSignal.SIGHUP,
            Signals.SIGINT => PosixSignal.SIGINT,
            Signals.SIGQUIT => PosixSignal.SIGQUIT,
            Signals.SIGTERM => PosixSignal.SIGTERM,
            Signals.SIGWINCH => PosixSignal.SIGWINCH,
            _ => (PosixSignal)signal,
        };
    }
}
