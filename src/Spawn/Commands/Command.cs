using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Spawn;

/// <summary>
/// An immutable description of a program to run: its arguments (an argv array, never a shell
/// line), environment, working directory and where its standard streams go. Every
/// <c>With...</c> method returns a changed copy. <see cref="Start"/> runs it; <see cref="RunAsync"/>,
/// <see cref="OutputAsync(System.Text.Encoding?, CancellationToken)"/> and <see cref="StreamLinesAsync(System.Text.Encoding?, CancellationToken)"/> run it to completion.
/// </summary>
/// <example>
/// <code>
/// var result = await new Command("git", "status", "--short")
///     .WithWorkingDirectory(repo)
///     .OutputAsync(cancellationToken);
/// Console.Write(result.StandardOutput);
/// </code>
/// </example>
public sealed partial class Command
{
    /// <summary>Describes running <paramref name="program"/> with <paramref name="arguments"/>.</summary>
    /// <param name="program">A bare name (searched in PATH) or a path (containing '/').</param>
    /// <param name="arguments">The arguments after argv[0]; each reaches the program as one argument, unchanged.</param>
    public Command(string program, params IEnumerable<string> arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(arguments);
        Program = program;
        Arguments = [.. arguments];
        if (Arguments.Any(a => a is null)) throw new ArgumentException("An argument is null.", nameof(arguments));
    }

    private Command(Command other) => CopyFrom(other);

    /// <summary>The program: a bare name searched in PATH, or a path.</summary>
    public string Program { get; private set; } = "";

    /// <summary>The arguments after argv[0].</summary>
    public ImmutableArray<string> Arguments { get; private set; }

    /// <summary>The working directory for the child; null keeps ours.</summary>
    public string? WorkingDirectory { get; private set; }

    /// <summary>True when the child starts from an empty environment rather than ours.</summary>
    public bool ClearsEnvironment { get; private set; }

    /// <summary>Environment changes in the order given: a null value removes the variable. The last change to a name wins.</summary>
    public ImmutableArray<KeyValuePair<string, string?>> EnvironmentChanges { get; private set; } = [];

    /// <summary>Where the child's stdin comes from (default: /dev/null).</summary>
    public InputSource Stdin { get; private set; } = InputSource.Null;

    /// <summary>Where the child's stdout goes (default: /dev/null).</summary>
    public OutputTarget Stdout { get; private set; } = OutputTarget.Null;

    /// <summary>Where the child's stderr goes (default: /dev/null, keeping a tail for error messages).</summary>
    public OutputTarget Stderr { get; private set; } = OutputTarget.Null;

    /// <summary>Files the child gets as fd 3, 4, ...; it gets no other descriptors.</summary>
    public ImmutableArray<SafeHandle> ExtraFiles { get; private set; } = [];

    /// <summary>Whether the child starts in its own process group (signals on cancellation then reach the whole group).</summary>
    public bool NewProcessGroup { get; private set; }

    /// <summary>Whether the child starts in a new session (and so its own process group).</summary>
    public bool NewSession { get; private set; }

    /// <summary>The user ID the child runs as; null keeps ours (see <see cref="StartOptions.UserId"/>).</summary>
    public uint? UserId { get; private set; }

    /// <summary>The group ID the child runs as; null keeps ours (see <see cref="StartOptions.GroupId"/>).</summary>
    public uint? GroupId { get; private set; }

    /// <summary>The child's supplementary groups (see <see cref="StartOptions.SupplementaryGroups"/>).</summary>
    public ImmutableArray<uint>? SupplementaryGroups { get; private set; }

    /// <summary>The signal the child gets when this process dies (see <see cref="StartOptions.ParentDeathSignal"/>).</summary>
    public int? ParentDeathSignal { get; private set; }

    /// <summary>Whether the child's peak memory is made its own, exactly (see <see cref="StartOptions.ExactPeakMemory"/>).</summary>
    public bool ExactPeakMemory { get; private set; }

    /// <summary>
    /// Whether the command runs contained in a <see cref="ProcessTree"/> of its own (a cgroup): asked
    /// for with <see cref="WithProcessTree"/>, or implied by limits on the whole tree (<see cref="WithLimits"/>).
    /// </summary>
    public bool UsesProcessTree
    {
        get => _usesProcessTree || Limits is { NeedsTree: true };
        private set => _usesProcessTree = value;
    }

    private bool _usesProcessTree;

    /// <summary>The limits the command runs under (see <see cref="WithLimits"/>); null for none.</summary>
    public ResourceLimits? Limits { get; private set; }

    /// <summary>Whether a bare program name may be found through an empty or relative PATH entry (such as ".").</summary>
    public bool AllowsRelativePathLookup { get; private set; }

    /// <summary>Whether <see cref="RunAsync"/> and the other run methods throw <see cref="CommandFailedException"/> on a non-zero exit (default true).</summary>
    public bool ValidatesExitCode { get; private set; } = true;

    /// <summary>
    /// Whether running throws when the run does not succeed (default true): <see cref="CommandFailedException"/>
    /// for a non-zero exit or a signal (while <see cref="ValidatesExitCode"/>), <see cref="CommandTimeoutException"/>,
    /// <see cref="CommandCanceledException"/>. When false, the process's own behaviour never throws:
    /// every run method returns the result, and <see cref="CommandResult.Outcome"/> says what happened.
    /// </summary>
    public bool ThrowsOnFailure { get; private set; } = true;

    /// <summary>The signal sent first when the command is cancelled or times out (default SIGTERM).</summary>
    public int CancelSignal { get; private set; } = Signals.SIGTERM;

    /// <summary>How long after <see cref="CancelSignal"/> the child gets before SIGKILL (default 5 s).</summary>
    public TimeSpan GracePeriod { get; private set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long waiting may go on after the child exits while something (a grandchild) still holds
    /// open the pipes the caller asked for (a capture, streamed lines, a sink); then they are closed
    /// and the result says <see cref="CommandResult.WaitDelayExpired"/>. Null waits for ever, except
    /// after a cancellation or timeout, which waits 1 s at most. The pipes Spawn keeps for itself
    /// (the stderr tail's, a stdin feed) never delay completion.
    /// </summary>
    public TimeSpan? WaitDelay { get; private set; }

    /// <summary>A time limit for the whole run, after which the command is cancelled as by a token; null for none.</summary>
    public TimeSpan? Timeout { get; private set; }

    /// <summary>The most bytes of each output stream the capturing methods keep: the head and the tail, with a marker for what was left out.</summary>
    public int? CaptureLimit { get; private set; }

    /// <summary>Whether the run's trace span records the arguments (<c>process.command_args</c>); false by default (see <see cref="WithTelemetryArguments"/>).</summary>
    public bool RecordsArgumentsInTelemetry { get; private set; }

    /// <summary>Where the continuations of a run's completion run (see <see cref="WithExitContinuation"/>); the thread pool by default.</summary>
    public ExitContinuation ExitContinuation { get; private set; }

    /// <summary>With a different program (a bare name searched in PATH, or a path), the rest unchanged.</summary>
    public Command WithProgram(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        return new(this) { Program = program };
    }

    /// <summary>With different arguments (after argv[0]).</summary>
    public Command WithArguments(params IEnumerable<string> arguments)
    {
        var copy = new Command(this) { Arguments = [.. arguments] };
        if (copy.Arguments.Any(a => a is null)) throw new ArgumentException("An argument is null.", nameof(arguments));
        return copy;
    }

    /// <summary>With the working directory set.</summary>
    public Command WithWorkingDirectory(string? directory) => new(this) { WorkingDirectory = directory };

    /// <summary>With <paramref name="name"/> set to <paramref name="value"/> (null removes it).</summary>
    /// <exception cref="ArgumentException">The name is empty or contains '=' or NUL, or the value contains NUL.</exception>
    public Command WithEnvironment(string name, string? value)
    {
        EnvironmentBuilder.ValidateName(name);
        EnvironmentBuilder.ValidateValue(name, value);
        return new(this) { EnvironmentChanges = EnvironmentChanges.Add(new(name, value)) };
    }

    /// <summary>With several variables set (null values remove).</summary>
    public Command WithEnvironment(IEnumerable<KeyValuePair<string, string?>> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        Command result = this;
        foreach (var (name, value) in variables) result = result.WithEnvironment(name, value);
        return result;
    }

    /// <summary>With <paramref name="name"/> removed from the child's environment.</summary>
    public Command WithoutEnvironment(string name) => WithEnvironment(name, null);

    /// <summary>Starting from an empty environment (then only what <see cref="WithEnvironment(string, string?)"/> sets).</summary>
    public Command WithClearedEnvironment() => new(this) { ClearsEnvironment = true, EnvironmentChanges = [] };

    /// <summary>With stdin from <paramref name="source"/>.</summary>
    public Command WithStdin(InputSource source) => new(this) { Stdin = source ?? throw new ArgumentNullException(nameof(source)) };

    /// <summary>With stdout to <paramref name="target"/>.</summary>
    public Command WithStdout(OutputTarget target) => new(this) { Stdout = target ?? throw new ArgumentNullException(nameof(target)) };

    /// <summary>With stderr to <paramref name="target"/> (<see cref="OutputTarget.Stdout"/> merges it into stdout, order kept).</summary>
    public Command WithStderr(OutputTarget target) => new(this) { Stderr = target ?? throw new ArgumentNullException(nameof(target)) };

    /// <summary>With stderr sent wherever stdout goes, through the same descriptor, so their order is kept (2&gt;&amp;1).</summary>
    public Command WithStderrMerged() => WithStderr(OutputTarget.Stdout);

    /// <summary>With extra files as fd 3, 4, ... in order.</summary>
    public Command WithExtraFiles(params IEnumerable<SafeHandle> files) => new(this) { ExtraFiles = [.. files] };

    /// <summary>Starting the child in its own process group.</summary>
    public Command WithNewProcessGroup(bool enabled = true) => new(this) { NewProcessGroup = enabled };

    /// <summary>Starting the child in a new session.</summary>
    public Command WithNewSession(bool enabled = true) => new(this) { NewSession = enabled };

    /// <summary>
    /// Running the command in a new cgroup (a <see cref="ProcessTree"/>) from its first instruction, so
    /// that everything it starts, daemons included, can be ended: cancellation and timeouts signal the
    /// whole tree (SIGKILL through cgroup.kill), and when the command's process exits whatever it left
    /// running is killed, the tree's CPU time and peak memory go into <see cref="CommandResult.Tree"/>,
    /// and the cgroup is removed. Starting throws <see cref="CgroupUnavailableException"/> where cgroups
    /// cannot be used (never a silent fallback).
    /// </summary>
    public Command WithProcessTree(bool enabled = true) => new(this) { UsesProcessTree = enabled };

    /// <summary>
    /// Running under <paramref name="limits"/> (null: none). Limits on the whole tree (memory, CPUs,
    /// processes) imply <see cref="WithProcessTree"/>: the command and everything it starts share them,
    /// from its first instruction. Limits on each process (open files, CPU seconds, address space, core
    /// size, nice, CPU affinity) are set in the child before it executes the program. The result says
    /// which limits the kernel enforced (<see cref="CommandResult.LimitsReached"/>), and so does the
    /// <see cref="CommandFailedException"/> of a run they ended. Starting throws
    /// <see cref="CgroupUnavailableException"/> where the tree's limits cannot be had, and
    /// <see cref="PlatformNotSupportedException"/> for a process's limits off the Linux fast path.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range.</exception>
    public Command WithLimits(ResourceLimits? limits)
    {
        limits?.Validate();
        return new(this) { Limits = limits };
    }

    /// <summary>
    /// Running the child as another user: <paramref name="userId"/>, <paramref name="groupId"/>
    /// (null: keep ours) and exactly <paramref name="supplementaryGroups"/> (none when null). Needs
    /// privilege and the Linux fast path; see <see cref="StartOptions.UserId"/>.
    /// </summary>
    public Command WithCredentials(uint? userId, uint? groupId = null, IEnumerable<uint>? supplementaryGroups = null) =>
        new(this) { UserId = userId, GroupId = groupId, SupplementaryGroups = supplementaryGroups is null ? null : [.. supplementaryGroups] };

    /// <summary>
    /// The signal (1 to 64) the kernel sends the child when this process dies, however it dies; null
    /// for none. Needs the Linux fast path; see <see cref="StartOptions.ParentDeathSignal"/>.
    /// </summary>
    public Command WithParentDeathSignal(int? signal)
    {
        if (signal is int s) Signals.Validate(s);
        return new(this) { ParentDeathSignal = signal };
    }

    /// <summary>The signal the kernel sends the child when this process dies (see <see cref="WithParentDeathSignal(int?)"/>).</summary>
    public Command WithParentDeathSignal(PosixSignal signal) => WithParentDeathSignal(Signals.FromPosixSignal(signal));

    /// <summary>
    /// Making the child's peak memory (<see cref="ProcessState.MaxRssBytes"/>) its own, exactly, at the
    /// cost of one more short-lived process per start; see <see cref="StartOptions.ExactPeakMemory"/>.
    /// </summary>
    public Command WithExactPeakMemory(bool enabled = true) => new(this) { ExactPeakMemory = enabled };

    /// <summary>Allowing a bare name to be found through an empty or relative PATH entry (Go's ErrDot opt-in).</summary>
    public Command WithRelativePathLookup(bool allowed = true) => new(this) { AllowsRelativePathLookup = allowed };

    /// <summary>Whether a non-zero exit throws <see cref="CommandFailedException"/> (a timeout or a cancellation still throws; see <see cref="WithThrowOnFailure"/>).</summary>
    public Command WithExitCodeValidation(bool enabled) => new(this) { ValidatesExitCode = enabled };

    /// <summary>
    /// False: running never throws for what the process did (a non-zero exit, a signal, a timeout,
    /// a cancellation, an expired wait delay); the result's <see cref="CommandResult.Outcome"/> says
    /// which happened. Starting can still throw (<see cref="ProcessStartException"/>), as can a
    /// capture too large to hold (<see cref="OutputTooLargeException"/>).
    /// </summary>
    /// <example>
    /// <code>
    /// CommandResult result = await new Command("make", "test").WithTimeout(TimeSpan.FromMinutes(5)).WithThrowOnFailure(false).RunAsync();
    /// if (result.Outcome == CommandOutcome.TimedOut) Console.WriteLine("too slow");
    /// </code>
    /// </example>
    public Command WithThrowOnFailure(bool enabled) => new(this) { ThrowsOnFailure = enabled };

    /// <summary>The signal for cancellation and the grace period before SIGKILL.</summary>
    public Command WithCancelSignal(int signal, TimeSpan gracePeriod)
    {
        Signals.Validate(signal);
        ArgumentOutOfRangeException.ThrowIfLessThan(gracePeriod, TimeSpan.Zero);
        return new(this) { CancelSignal = signal, GracePeriod = gracePeriod };
    }

    /// <summary>The signal for cancellation and the grace period before SIGKILL.</summary>
    public Command WithCancelSignal(PosixSignal signal, TimeSpan gracePeriod) => WithCancelSignal(Signals.FromPosixSignal(signal), gracePeriod);

    /// <summary>Bounds waiting for the pipes after the child exits (Go's WaitDelay); null waits for ever, or 1 s after a cancellation or timeout (see <see cref="WaitDelay"/>).</summary>
    public Command WithWaitDelay(TimeSpan? delay)
    {
        if (delay is { } d) ArgumentOutOfRangeException.ThrowIfLessThan(d, TimeSpan.Zero);
        return new(this) { WaitDelay = delay };
    }

    /// <summary>A time limit for the run, ended as by a cancellation (see <see cref="Start"/>); null for none.</summary>
    public Command WithTimeout(TimeSpan? timeout)
    {
        if (timeout is { } t) ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(t, TimeSpan.Zero);
        return new(this) { Timeout = timeout };
    }

    /// <summary>Keeps at most <paramref name="bytes"/> of each captured stream (head and tail); null for no limit.</summary>
    public Command WithCaptureLimit(int? bytes)
    {
        if (bytes is { } b) ArgumentOutOfRangeException.ThrowIfLessThan(b, 64);
        return new(this) { CaptureLimit = bytes };
    }

    /// <summary>
    /// Whether the span Spawn's <see cref="System.Diagnostics.ActivitySource"/> ("Spawn") records for
    /// each run of this command carries its arguments, as <c>process.command_args</c> (argv, the
    /// program first). Off by default, because arguments carry secrets (passwords, tokens,
    /// connection strings): opt in per command, for commands whose arguments are safe to export.
    /// Environment values are never recorded. See docs/observability.md.
    /// </summary>
    public Command WithTelemetryArguments(bool enabled = true) => new(this) { RecordsArgumentsInTelemetry = enabled };

    /// <summary>
    /// Where the continuations of a run's completion run: those awaiting <see cref="RunAsync"/>, the
    /// other run methods and <see cref="ChildProcess.WaitAsync"/>, and those awaiting the child's
    /// <see cref="ChildProcess.Handle"/> (see <see cref="StartOptions.ExitContinuation"/>). The
    /// default, <see cref="ExitContinuation.ThreadPool"/>, queues them to the thread pool. With
    /// <see cref="ExitContinuation.Inline"/> the run's end is handled, and its awaiters resumed,
    /// synchronously on the thread that sees the child's exit (Spawn's exit-watcher thread, shared by
    /// every process in this program), or, when output is still being copied then, on the thread that
    /// ends the last copy, or on a thread of yours that ends the run in a blocking <see cref="ChildProcess.Wait"/>
    /// or <see cref="ChildProcess.Dispose"/>: one thread wake-up sooner. In a pipeline the setting is
    /// each member's, and the pipeline's own awaiters resume where the member that ends last does.
    /// The code that then runs there includes the
    /// caller's continuations and any telemetry listener (the run's span ends, its exit is recorded),
    /// so use it only when all of that is short and never blocks (see <see cref="ExitContinuation.Inline"/>).
    /// A run cancelled or timed out before the exit was seen, or one with a process tree, ends on the thread pool all the same:
    /// ending its descendants or its tree is more than the exit-watcher thread should wait for.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="continuation"/> is not an <see cref="ExitContinuation"/> value.</exception>
    public Command WithExitContinuation(ExitContinuation continuation) =>
        continuation is ExitContinuation.ThreadPool or ExitContinuation.Inline
            ? new(this) { ExitContinuation = continuation }
            : throw new ArgumentOutOfRangeException(nameof(continuation), continuation, "Not an ExitContinuation value.");

    /// <summary>Stdin from a file path.</summary>
    public Command WithStdinFile(string path) => WithStdin(InputSource.FromFile(path));

    /// <summary>Stdout to a file (created or truncated, or appended to).</summary>
    public Command WithStdoutFile(string path, bool append = false) => WithStdout(OutputTarget.ToFile(path, append));

    /// <summary>Stderr to a file (created or truncated, or appended to).</summary>
    public Command WithStderrFile(string path, bool append = false) => WithStderr(OutputTarget.ToFile(path, append));

    /// <summary>A pipeline of this command into <paramref name="next"/>, connected by an OS pipe.</summary>
    public Pipeline Pipe(Command next) => new Pipeline([this]).Pipe(next);

    /// <summary>Connects two commands stdout-to-stdin: <c>a | b</c>.</summary>
    public static Pipeline operator |(Command left, Command right) => (left ?? throw new ArgumentNullException(nameof(left))).Pipe(right);

    /// <summary>The command as a user would type it in a POSIX shell.</summary>
    public override string ToString() => ShellQuoting.Join([Program, .. Arguments]);

    private void CopyFrom(Command o)
    {
        Program = o.Program;
        Arguments = o.Arguments;
        WorkingDirectory = o.WorkingDirectory;
        ClearsEnvironment = o.ClearsEnvironment;
        EnvironmentChanges = o.EnvironmentChanges;
        Stdin = o.Stdin;
        Stdout = o.Stdout;
        Stderr = o.Stderr;
        ExtraFiles = o.ExtraFiles;
        NewProcessGroup = o.NewProcessGroup;
        NewSession = o.NewSession;
        _usesProcessTree = o._usesProcessTree;
        Limits = o.Limits;
        UserId = o.UserId;
        GroupId = o.GroupId;
        SupplementaryGroups = o.SupplementaryGroups;
        ParentDeathSignal = o.ParentDeathSignal;
        ExactPeakMemory = o.ExactPeakMemory;
        AllowsRelativePathLookup = o.AllowsRelativePathLookup;
        ValidatesExitCode = o.ValidatesExitCode;
        ThrowsOnFailure = o.ThrowsOnFailure;
        CancelSignal = o.CancelSignal;
        GracePeriod = o.GracePeriod;
        WaitDelay = o.WaitDelay;
        Timeout = o.Timeout;
        CaptureLimit = o.CaptureLimit;
        RecordsArgumentsInTelemetry = o.RecordsArgumentsInTelemetry;
        ExitContinuation = o.ExitContinuation;
        PseudoTerminal = o.PseudoTerminal;
    }
}
