using System.Diagnostics;
using Spawn.Internal;

namespace Spawn;

/// <summary>
/// The span of one command run (an <see cref="Activity"/> from <see cref="Telemetry.Source"/>, from
/// the start call to the completion, wait delay included) and the metrics only a command can
/// record: its start failure and its exit with the outcome a timeout or cancellation gives it. The span follows OpenTelemetry's conventions for a program run
/// by its caller: kind Client, named after the executable, <c>process.*</c> attributes.
/// Arguments are recorded only when the command opts in (<see cref="Command.WithTelemetryArguments"/>);
/// environment values never.
/// </summary>
internal static class CommandTelemetry
{
    internal const string ExecutableNameTag = "process.executable.name";
    internal const string ExecutablePathTag = "process.executable.path";
    internal const string PidTag = "process.pid";
    internal const string ExitCodeTag = "process.exit.code";
    internal const string ArgumentsTag = "process.command_args";
    internal const string SignalTag = "spawn.exit.signal";
    internal const string WaitDelayExpiredTag = "spawn.wait_delay.expired";
    internal const string TreeUserTimeTag = "spawn.tree.cpu.time.user";
    internal const string TreeSystemTimeTag = "spawn.tree.cpu.time.system";
    internal const string TreePeakMemoryTag = "spawn.tree.memory.peak";

    /// <summary>
    /// Starts the run's span, or returns null when nobody listens (nothing else is done then).
    /// <paramref name="previous"/> is the caller's current activity, put back once the start call
    /// returns: the span goes on after it, and must not become the parent of the caller's later work.
    /// </summary>
    internal static Activity? StartRun(Command command, out Activity? previous)
    {
        previous = null;
        if (!Telemetry.Source.HasListeners()) return null;
        previous = Activity.Current;
        string executable = Path.GetFileName(command.Program);
        if (executable.Length == 0) executable = command.Program;
        Activity? run = Telemetry.Source.StartActivity(executable, ActivityKind.Client);
        if (run is { IsAllDataRequested: true })
        {
            run.SetTag(ExecutableNameTag, executable);
            if (command.RecordsArgumentsInTelemetry) run.SetTag(ArgumentsTag, (string[])[command.Program, .. command.Arguments]);
        }
        return run;
    }

    /// <summary>The program was found at <paramref name="path"/>.</summary>
    internal static void Resolved(Activity? run, string path)
    {
        if (run is { IsAllDataRequested: true }) run.SetTag(ExecutablePathTag, path);
    }

    /// <summary>The child runs: the span goes on until the completion; the caller's current activity is its own again.</summary>
    internal static void Started(Activity? run, Activity? previous, int pid)
    {
        if (run is null) return;
        if (run.IsAllDataRequested) run.SetTag(PidTag, pid);
        Activity.Current = previous;
    }

    /// <summary>The start failed: counted by its errno (or exception type); the span ends as an error.</summary>
    internal static void StartFailed(Activity? run, Activity? previous, Exception failure)
    {
        Telemetry.StartFailed(failure);
        if (run is null) return;
        RecordFailure(run, failure);
        run.Stop();
        Activity.Current = previous;
    }

    /// <summary>The run is complete: its exit and output are recorded, and the span ends with its outcome.</summary>
    internal static void Completed(Activity? run, CommandResult result)
    {
        // A command that failed after the OOM killer struck in its tree failed for that: the signal
        // or exit code it ended with is only how the kill reached it.
        string outcome = result.Outcome is not CommandOutcome.Succeeded and not CommandOutcome.TimedOut and not CommandOutcome.Canceled
            && (result.LimitsReached & LimitsReached.Memory) != 0
            ? Telemetry.OutOfMemory
            : Outcome(result.Outcome);
        Telemetry.Exited(outcome, result.RunTime);
        if (run is null) return;
        if (run.IsAllDataRequested)
        {
            ProcessState state = result.State;
            if (state.ExitCode is int code) run.SetTag(ExitCodeTag, code);
            if (state.Signal is int signal) run.SetTag(SignalTag, "SIG" + Signals.Name(signal));
            run.SetTag(Telemetry.OutcomeTag, outcome);
            if (outcome != Telemetry.Success) run.SetTag(Telemetry.ErrorTypeTag, outcome);
            if (result.WaitDelayExpired) run.SetTag(WaitDelayExpiredTag, true);
            if (result.Tree is { } tree)
            {
                run.SetTag(TreeUserTimeTag, tree.UserTime.TotalSeconds);
                run.SetTag(TreeSystemTimeTag, tree.SystemTime.TotalSeconds);
                if (tree.PeakMemoryBytes is long peak) run.SetTag(TreePeakMemoryTag, peak);
            }
        }
        if (outcome != Telemetry.Success) run.SetStatus(ActivityStatusCode.Error, result.ToString());
        Stop(run);
    }

    /// <summary>
    /// The completion failed (a copy threw): the exit is recorded as the process ended, if that is
    /// known; the span ends as an error.
    /// </summary>
    internal static void Faulted(Activity? run, ProcessState? exit, Exception failure)
    {
        if (exit is not null) Telemetry.Exited(Telemetry.Outcome(exit), null);
        if (run is null) return;
        RecordFailure(run, failure);
        Stop(run);
    }

    /// <summary>
    /// The span's status and OpenTelemetry's "exception" event, without the exception's message:
    /// a message can quote what must stay out of telemetry (a start failure's names the PATH it
    /// searched, an environment value; a sink's may quote the output). The errno's description
    /// (or the exception's type) stands in for it; the stack trace is only code.
    /// </summary>
    private static void RecordFailure(Activity run, Exception failure)
    {
        string description = failure is SpawnException { Error: Errno errno } ? errno.Describe() : failure.GetType().Name;
        run.SetStatus(ActivityStatusCode.Error, description);
        if (!run.IsAllDataRequested) return;
        run.SetTag(Telemetry.ErrorTypeTag, Telemetry.ErrorType(failure));
        run.AddEvent(new ActivityEvent("exception", tags: new ActivityTagsCollection
        {
            ["exception.type"] = failure.GetType().FullName,
            ["exception.message"] = description,
            ["exception.stacktrace"] = failure.StackTrace,
        }));
    }

    /// <summary>The outcome's attribute value.</summary>
    internal static string Outcome(CommandOutcome outcome) => outcome switch
    {
        CommandOutcome.Succeeded => Telemetry.Success,
        CommandOutcome.NonZeroExit => Telemetry.NonZero,
        CommandOutcome.Signaled => Telemetry.Signal,
        CommandOutcome.TimedOut => Telemetry.Timeout,
        CommandOutcome.Canceled => Telemetry.Canceled,
        CommandOutcome.Unknown => Telemetry.Unknown,
        _ => outcome.ToString(), // an outcome added later shows under its own name, never as another
    };

    /// <summary>Ends the span where the completion runs (often the caller's thread), leaving that thread's current activity as it was.</summary>
    private static void Stop(Activity run)
    {
        Activity? current = Activity.Current;
        if (ReferenceEquals(current, run)) current = run.Parent;
        run.Stop();
        if (!ReferenceEquals(Activity.Current, current)) Activity.Current = current;
    }
}
