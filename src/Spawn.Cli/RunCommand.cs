using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Spawn.Cli;

/// <summary>
/// `spawn run`: runs a program with our stdin/stdout/stderr, forwards the signals we receive, and
/// applies a deadline with the same exit statuses as GNU coreutils timeout.
/// </summary>
internal static class RunCommand
{
    internal const int TimedOut = 124;
    internal const int ToolFailed = 125;
    internal const int CannotInvoke = 126;
    internal const int NotFound = 127;

    private static readonly int[] s_forwarded =
        [Signals.SIGINT, Signals.SIGTERM, Signals.SIGHUP, Signals.SIGQUIT, Signals.SIGUSR1, Signals.SIGUSR2, Signals.SIGWINCH];

    internal static async Task<int> RunAsync(string[] args)
    {
        RunOptions options = RunOptions.Parse(args);
        if (options.Help)
        {
            Console.Out.Write(Usage.Run);
            return 0;
        }
        Command command = new Command(options.Command[0], options.Command[1..])
            .WithStdin(InputSource.Inherit)
            .WithStdout(OutputTarget.Inherit)
            .WithStderr(OutputTarget.Inherit)
            .WithExitCodeValidation(false)
            .WithNewProcessGroup(options.Group)
            .WithProcessTree(options.Tree);

        var clock = Stopwatch.StartNew();
        ChildProcess child;
        try
        {
            child = StartLikeExecvp(command);
        }
        catch (CgroupUnavailableException e)
        {
            Console.Error.WriteLine($"spawn: --tree: {e.Message}");
            return ToolFailed;
        }
        catch (ProcessStartException e)
        {
            Console.Error.WriteLine($"spawn: {e.Message}");
            return e.ErrorName switch
            {
                "ENOENT" => NotFound,
                "EAGAIN" or "ENOMEM" or "EMFILE" or "ENFILE" => ToolFailed,
                _ => CannotInvoke,
            };
        }

        await using (child)
        {
            var run = new Supervisor(child, options);
            using var registrations = new SignalForwarding(s_forwarded, run.OnSignal);
            ProcessState state = await run.WaitAsync().ConfigureAwait(false);
            clock.Stop();
            // Exit and the end of the tree (with --tree: what it left running is killed, and its
            // CPU time and peak memory are read before the cgroup is removed).
            CommandResult result = await child.WaitAsync().ConfigureAwait(false);

            int status = ExitStatus(state, run.TimedOut, options.PreserveStatus);
            if (options.Stats || options.JsonPath is not null)
            {
                var report = new StatsReport(state, result.Tree, clock.Elapsed, run.TimedOut, status);
                if (options.Stats) Console.Error.WriteLine(report.ToLine());
                if (options.JsonPath is not null) report.WriteJson(options.JsonPath);
            }
            if (state.Signal is int signal && !run.TimedOut)
            {
                // As GNU timeout does: end by the same signal, so our parent sees what happened.
                await Console.Out.FlushAsync().ConfigureAwait(false);
                Interop.SelfSignal.Die(signal);
            }
            return status;
        }
    }

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
        catch (ProcessStartException e) when (e.ErrorName == "ENOEXEC")
        {
            return command.WithArguments([command.Program, .. command.Arguments]).WithProgram("/bin/sh").Start();
        }
    }

    /// <summary>GNU timeout's rules: 124 on timeout unless --preserve-status; a timeout by KILL reports 137.</summary>
    internal static int ExitStatus(ProcessState state, bool timedOut, bool preserveStatus)
    {
        int status;
        if (state.ExitCode is int code) status = code;
        else if (state.Signal is int signal)
        {
            if (timedOut && signal == Signals.SIGKILL) preserveStatus = true;
            status = 128 + signal;
        }
        else status = ToolFailed; // the status was lost (another component reaped the child)
        return timedOut && !preserveStatus ? TimedOut : status;
    }

    /// <summary>Applies the deadline and the kill-after, and forwards received signals.</summary>
    private sealed class Supervisor(ChildProcess child, RunOptions options)
    {
        private int _killTimerStarted;

        internal bool TimedOut { get; private set; }

        internal async Task<ProcessState> WaitAsync()
        {
            Task<ProcessState> exit = child.Handle.WaitAsync();
            if (options.Timeout is { } timeout && await Finished(exit, timeout).ConfigureAwait(false) is false)
            {
                TimedOut = true;
                Send(options.Signal);
                if (options.Signal != Signals.SIGKILL) StartKillTimer(exit);
            }
            return await exit.ConfigureAwait(false);
        }

        /// <summary>A signal we received: passed on; a terminating one also starts the kill-after timer, as in GNU timeout.</summary>
        internal void OnSignal(int signal)
        {
            Send(signal);
            if (signal is Signals.SIGINT or Signals.SIGTERM or Signals.SIGHUP or Signals.SIGQUIT) StartKillTimer(child.Handle.WaitAsync());
        }

        private void StartKillTimer(Task<ProcessState> exit)
        {
            if (options.KillAfter is not { } killAfter || Interlocked.Exchange(ref _killTimerStarted, 1) != 0) return;
            _ = KillLaterAsync(exit, killAfter);
        }

        private async Task KillLaterAsync(Task<ProcessState> exit, TimeSpan killAfter)
        {
            if (!await Finished(exit, killAfter).ConfigureAwait(false)) Send(Signals.SIGKILL);
        }

        private void Send(int signal)
        {
            try
            {
                if (child.Tree is { } tree)
                {
                    if (signal == Signals.SIGKILL) tree.Kill();
                    else tree.Signal(signal);
                }
                else if (options.Group) child.SignalGroup(signal);
                else child.Signal(signal);
            }
            catch (ObjectDisposedException)
            {
                // The run is over.
            }
        }

        private static async Task<bool> Finished(Task<ProcessState> exit, TimeSpan within)
        {
            using var timer = new CancellationTokenSource(within);
            try
            {
                await exit.WaitAsync(timer.Token).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>Catches the forwarded signals for the length of the run, so they reach the child instead of ending us.</summary>
    private sealed class SignalForwarding : IDisposable
    {
        private readonly List<PosixSignalRegistration> _registrations = [];

        internal SignalForwarding(int[] signals, Action<int> forward)
        {
            foreach (int signal in signals)
            {
                _registrations.Add(PosixSignalRegistration.Create(ToPosixSignal(signal), context =>
                {
                    context.Cancel = true;
                    forward(signal);
                }));
            }
        }

        public void Dispose()
        {
            foreach (var registration in _registrations) registration.Dispose();
        }

        /// <summary>.NET names a few signals; the others are passed as raw numbers, which it accepts on Unix.</summary>
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
